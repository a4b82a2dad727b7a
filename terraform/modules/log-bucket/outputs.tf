output "bucket" {
  description = "Name of the log bucket, available once its policy lets the log sources write."
  value       = aws_s3_bucket.this.id

  # A load balancer refuses to enable access logs until the bucket policy allows delivery.
  depends_on = [aws_s3_bucket_policy.this, aws_s3_bucket_ownership_controls.this]
}

output "bucket_arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_domain_name" {
  description = "Domain name of the bucket, as CloudFront logging expects it (<bucket>.s3.amazonaws.com)."
  value       = aws_s3_bucket.this.bucket_domain_name

  # CloudFront standard logging needs ACLs enabled (ownership controls) before it is switched on.
  depends_on = [aws_s3_bucket_policy.this, aws_s3_bucket_ownership_controls.this]
}

output "prefixes" {
  description = "Key prefixes reserved for each log source."
  value = {
    alb        = "alb"
    cloudfront = "cloudfront/"
    s3         = "s3/"
  }
}
