variable "name_prefix" {
  description = "Prefix of the bucket and distribution names; the bucket is <name_prefix>-tenant-assets-<account id>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name_prefix))
    error_message = "name_prefix must be 3-31 lowercase letters, digits or hyphens."
  }
}

variable "versioning" {
  description = "Keep previous versions of overwritten objects (the manifest's buckets.tenant-assets.versioning)."
  type        = bool
  default     = true
}

variable "noncurrent_version_days" {
  description = "Days to keep previous versions of objects."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "public_prefix" {
  description = "Key prefix CloudFront may read; everything the services publish lives under it."
  type        = string
  default     = "tenants/"

  validation {
    condition     = can(regex("^[a-z0-9-]+/$", var.public_prefix))
    error_message = "public_prefix must be one path segment ending with /, e.g. tenants/."
  }
}

variable "upload_origins" {
  description = "Origins of the frontend, whose browsers PUT tenant logos straight to the bucket through presigned URLs (S3 CORS). None: no browser uploads."
  type        = list(string)
  default     = []
}

variable "domain_name" {
  description = "Public host name of the assets, e.g. assets.dev.leadflow.example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name."
  }
}

variable "certificate_arn" {
  description = "Validated ACM certificate for domain_name, in us-east-1 (CloudFront's requirement)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate in us-east-1."
  }
}

variable "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAF web ACL protecting the distribution."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/", var.web_acl_arn))
    error_message = "web_acl_arn must be a CLOUDFRONT-scope (global) WAFv2 web ACL ARN."
  }
}

variable "log_bucket" {
  description = "Log bucket: its name (S3 server access logs under s3/) and domain name (CloudFront logs under cloudfront/)."
  type = object({
    name        = string
    domain_name = string
  })
}

variable "price_class" {
  description = "CloudFront price class: which edge locations serve the assets."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "cache_ttl_seconds" {
  description = "Default seconds an edge caches an asset; a republished form is visible after at most this long."
  type        = number
  default     = 60

  validation {
    condition     = var.cache_ttl_seconds >= 0 && var.cache_ttl_seconds <= 86400
    error_message = "cache_ttl_seconds must be from 0 to 86400."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the bucket with its objects (dev only)."
  type        = bool
  default     = false
}
