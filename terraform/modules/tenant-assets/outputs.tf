output "bucket_name" {
  description = "Name of the bucket (ASSETS_BUCKET)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "public_prefix" {
  description = "Key prefix published through CloudFront (services may write only under it)."
  value       = var.public_prefix
}

output "kms_key_arn" {
  description = "KMS key of the bucket's objects: writers need kms:GenerateDataKey, readers kms:Decrypt."
  value       = aws_kms_key.this.arn
}

output "public_url" {
  description = "HTTPS base URL of the assets (ASSETS_PUBLIC_URL)."
  value       = "https://${var.domain_name}"
}

output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_domain_name" {
  description = "CloudFront domain name (target of the Route 53 alias)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_hosted_zone_id" {
  description = "CloudFront hosted zone id (for the Route 53 alias)."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
}
