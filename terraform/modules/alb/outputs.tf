output "arn" {
  description = "ARN of the load balancer (for the WAF association)."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer (target of the Route 53 aliases)."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone of the load balancer's DNS name (for Route 53 alias records)."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the load balancer; service tasks accept traffic only from it."
  value       = aws_security_group.this.id
}

output "target_group_arns" {
  description = "Target group ARN per service, available once its listener rules exist (ECS refuses a target group without a load balancer)."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn }

  depends_on = [aws_lb_listener_rule.host, aws_lb_listener_rule.path]
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix per service (CloudWatch TargetGroup dimension)."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn_suffix }
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}
