output "queue_names" {
  description = "Queue name per logical name."
  value       = { for k, q in aws_sqs_queue.this : k => q.name }
}

output "queue_urls" {
  description = "Queue URL per logical name."
  value       = { for k, q in aws_sqs_queue.this : k => q.id }
}

output "queue_arns" {
  description = "Queue ARN per logical name."
  value       = { for k, q in aws_sqs_queue.this : k => q.arn }
}

output "dead_letter_queue_names" {
  description = "Dead-letter queue name per logical name."
  value       = { for k, q in aws_sqs_queue.dead_letter : k => q.name }
}

output "dead_letter_queue_urls" {
  description = "Dead-letter queue URL per logical name."
  value       = { for k, q in aws_sqs_queue.dead_letter : k => q.id }
}

output "dead_letter_queue_arns" {
  description = "Dead-letter queue ARN per logical name."
  value       = { for k, q in aws_sqs_queue.dead_letter : k => q.arn }
}
