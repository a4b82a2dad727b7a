output "arn" {
  description = "ARN of the web ACL (a CloudFront distribution takes it as web_acl_id)."
  value       = aws_wafv2_web_acl.this.arn
}

output "name" {
  description = "Name of the web ACL (WAF metrics dimension)."
  value       = aws_wafv2_web_acl.this.name
}

output "log_group_name" {
  description = "CloudWatch log group of the WAF logs."
  value       = aws_cloudwatch_log_group.this.name
}
