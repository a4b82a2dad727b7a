output "names" {
  description = "Table name per logical name."
  value       = { for k, t in aws_dynamodb_table.this : k => t.name }
}

output "arns" {
  description = "Table ARN per logical name."
  value       = { for k, t in aws_dynamodb_table.this : k => t.arn }
}

output "index_arns" {
  description = "ARN pattern of every index of each table (<table arn>/index/*), for IAM policies."
  value       = { for k, t in aws_dynamodb_table.this : k => "${t.arn}/index/*" }
}
