output "repository_urls" {
  description = "Repository URL per name (docker push target; image = <url>:<tag>)."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "repository_arns" {
  description = "Repository ARN per name (for the task execution role's pull permissions)."
  value       = { for k, r in aws_ecr_repository.this : k => r.arn }
}
