variable "name" {
  description = "Name of the web ACL, its metrics and its log group, e.g. leadflow-dev-alb."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,100}$", var.name))
    error_message = "name must be letters, digits and hyphens, at most 100 characters."
  }
}

variable "scope" {
  description = "REGIONAL for a load balancer, CLOUDFRONT for a distribution (then the provider must be us-east-1). The protected resource names the ACL (alb module, CloudFront web_acl_id)."
  type        = string

  validation {
    condition     = contains(["REGIONAL", "CLOUDFRONT"], var.scope)
    error_message = "scope must be REGIONAL or CLOUDFRONT."
  }
}

variable "rate_limit_per_ip" {
  description = "Requests one IP may make in any 5 minutes before it is blocked."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit_per_ip >= 100 && var.rate_limit_per_ip <= 2000000000
    error_message = "rate_limit_per_ip must be from 100 to 2,000,000,000."
  }
}

variable "path_rate_limits" {
  description = "Tighter per-IP limits (requests per 5 minutes) for URI paths starting with the given prefix, e.g. { \"/v1/ingest/forms/\" = 300 }."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for path, limit in var.path_rate_limits : startswith(path, "/") && limit >= 100])
    error_message = "Every key must be a path starting with / and every limit at least 100."
  }

  validation {
    condition     = length(var.path_rate_limits) <= 10
    error_message = "At most ten path rate limits."
  }
}

variable "common_rules_to_count" {
  description = "Rules of AWSManagedRulesCommonRuleSet that only count instead of block, e.g. SizeRestrictions_BODY where bodies above 8 KB are legitimate."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.common_rules_to_count : can(regex("^[A-Za-z0-9_]+$", r))])
    error_message = "common_rules_to_count must list rule names such as SizeRestrictions_BODY."
  }
}

variable "kms_key_arn" {
  description = "KMS key (in the provider's region) that encrypts the WAF log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Days to keep WAF logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "rate_limit_retry_after_seconds" {
  description = "Retry-After of the 429 a rate limit answers: about the time a blocked address stays blocked once it slows down."
  type        = number
  default     = 60

  validation {
    condition     = var.rate_limit_retry_after_seconds >= 1 && var.rate_limit_retry_after_seconds <= 600
    error_message = "rate_limit_retry_after_seconds must be from 1 to 600."
  }
}
