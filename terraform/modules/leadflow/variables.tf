variable "environment" {
  description = "Environment name; every resource is named leadflow-<environment>-<logical name>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,7}$", var.environment))
    error_message = "environment must be 2-8 lowercase letters or digits, starting with a letter (e.g. dev, prod)."
  }
}

variable "domain_name" {
  description = "DNS name this environment lives under; the APIs are served at api.<domain_name> and in.<domain_name> (ingestion), the assets at assets.<domain_name>."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as dev.leadflow.example.com."
  }
}

variable "route53_zone_id" {
  description = "Public Route 53 hosted zone of domain_name (or of a parent): certificate validation and alias records are written there."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{4,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a Route 53 hosted zone id (Z...)."
  }
}

variable "image_tag" {
  description = "Image tag deployed for every service (one image per service, built from the same commit), e.g. the git SHA. Changing it rolls out a new release."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable Docker tag (not latest)."
  }
}

variable "network" {
  description = "VPC layout: CIDR, number of zones (the region's a, b, c, d in that order), and whether one NAT gateway serves all zones (cheaper, not zone-redundant)."
  type = object({
    cidr_block         = optional(string, "10.40.0.0/16")
    az_count           = optional(number, 2)
    single_nat_gateway = optional(bool, false)
  })
  default = {}

  validation {
    condition     = contains([2, 3, 4], var.network.az_count)
    error_message = "network.az_count must be 2, 3 or 4."
  }
}

variable "service_capacity" {
  description = "Per-service task size and count bounds, keyed by service name (ingestion, leads, crm-sync, tenant-config). Unset values default to cpu 256, memory 512, min_tasks 2, max_tasks 6."
  type = map(object({
    cpu       = optional(number)
    memory    = optional(number)
    min_tasks = optional(number)
    max_tasks = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.service_capacity) : contains(["ingestion", "leads", "crm-sync", "tenant-config"], k)])
    error_message = "service_capacity keys must be service names: ingestion, leads, crm-sync, tenant-config."
  }
}

variable "rate_limits" {
  description = "WAF per-IP limits per 5 minutes: everything (above the 1,200 a minute the service allows an API key), and public form posts (/v1/ingest/forms/)."
  type = object({
    per_ip        = optional(number, 10000)
    ingest_per_ip = optional(number, 300)
  })
  default = {}

  validation {
    condition     = var.rate_limits.per_ip >= 100 && var.rate_limits.ingest_per_ip >= 100 && var.rate_limits.ingest_per_ip <= var.rate_limits.per_ip
    error_message = "Limits must be at least 100, and the ingestion limit no higher than the general one."
  }
}

variable "cognito" {
  description = "User pool options: threat protection (Plus plan), hosted sign-in for the frontend, and the SES identity for e-mails."
  type = object({
    threat_protection = optional(bool, false)
    domain_prefix     = optional(string)
    callback_urls     = optional(list(string), [])
    logout_urls       = optional(list(string), [])
    email_sender = optional(object({
      source_arn   = string
      from_address = string
      reply_to     = optional(string)
    }))
  })
  default = {}
}

variable "frontend_origins" {
  description = "Origins (scheme://host[:port]) of the product UI, which may call api.<domain_name> from a browser (CORS), e.g. https://app.dev.leadflow.example.com. Empty: no browser page may."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.frontend_origins : can(regex("^https?://[^,/\\s]+$", o))])
    error_message = "frontend_origins must be origins such as https://app.example.com (no path, no trailing slash)."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses that receive the alarms."
  type        = list(string)
  default     = []
}

variable "log_level" {
  description = "Log level of every service (LOG_LEVEL)."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["fatal", "error", "warn", "info", "debug", "trace"], var.log_level)
    error_message = "log_level must be fatal, error, warn, info, debug or trace."
  }
}

variable "log_retention_days" {
  description = "Days to keep service, WAF, flow and access logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "deletion_protection" {
  description = "Protect tables, user pool and load balancer from deletion, and keep buckets that still hold objects. Turn off only to tear an environment down."
  type        = bool
  default     = true
}
