output "state_bucket" {
  description = "Give this to terraform init in each environment: -backend-config=\"bucket=<this>\"."
  value       = aws_s3_bucket.this.id
}

output "region" {
  description = "Region of the state bucket: -backend-config=\"region=<this>\"."
  value       = var.region
}
