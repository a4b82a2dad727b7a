output "bus_name" {
  description = "Name of the event bus (EVENT_BUS_NAME)."
  value       = aws_cloudwatch_event_bus.this.name
}

output "bus_arn" {
  description = "ARN of the event bus (events:PutEvents resource)."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "rule_arns" {
  description = "Rule ARN per logical rule name."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.arn }
}

output "rule_names" {
  description = "Rule name per logical rule name (CloudWatch RuleName dimension)."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.name }
}

output "archive_name" {
  description = "Name of the archive to replay events from."
  value       = aws_cloudwatch_event_archive.this.name
}
