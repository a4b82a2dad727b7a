variable "aws_account_id" {
  description = "AWS account this environment lives in; the provider refuses to touch any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "domain_name" {
  description = "DNS name the environment lives under (api., in. and assets. are created below it)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name."
  }
}

variable "route53_zone_id" {
  description = "Public Route 53 hosted zone that holds domain_name."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{4,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a Route 53 hosted zone id (Z...)."
  }
}

variable "image_tag" {
  description = "Image tag to run for every service (the git SHA the images were built from)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable Docker tag (not latest)."
  }
}

variable "frontend_origins" {
  description = "Origins (scheme://host[:port]) of the product UI, which may call api.<domain_name> from a browser (CORS), e.g. https://app.dev.leadflow.example.com. Empty: no browser page may."
  type        = list(string)
  default     = []
}

variable "alarm_emails" {
  description = "E-mail addresses that receive the alarms."
  type        = list(string)
  default     = []
}

variable "cognito_callback_urls" {
  description = "Frontend URLs the hosted sign-in may return to (empty: the frontend signs in with SRP only)."
  type        = list(string)
  default     = []
}

variable "cognito_logout_urls" {
  description = "Frontend URLs the hosted sign-in may return to after sign-out."
  type        = list(string)
  default     = []
}

variable "deletion_protection" {
  description = "Keep tables, user pool, load balancer, buckets and image repositories from being deleted. Set false only to tear the environment down (apply, then destroy)."
  type        = bool
  default     = true
}
