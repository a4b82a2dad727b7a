variable "bus_name" {
  description = "Name of the event bus; rules are named <bus_name>-<rule>, e.g. leadflow-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,200}$", var.bus_name)) && var.bus_name != "default"
    error_message = "bus_name must be letters, digits, dots, hyphens or underscores, and not default."
  }
}

variable "archive_retention_days" {
  description = "Days the archive keeps every event for replay (0 keeps them forever)."
  type        = number
  default     = 30

  validation {
    condition     = var.archive_retention_days >= 0 && floor(var.archive_retention_days) == var.archive_retention_days
    error_message = "archive_retention_days must be a whole number, 0 or more."
  }
}

variable "rules" {
  description = "Rules keyed by logical name, from the resource manifest's `rules`: description, event_pattern (JSON) and the logical name of the target queue."
  type = map(object({
    description   = string
    event_pattern = string
    target        = string
  }))

  validation {
    condition     = alltrue([for r in var.rules : can(jsondecode(r.event_pattern))])
    error_message = "Every event_pattern must be JSON."
  }
}

variable "target_queues" {
  description = "SQS targets keyed by the logical names rules[*].target use: the queue's ARN and the dead-letter queue for events EventBridge could not deliver."
  type = map(object({
    arn             = string
    dead_letter_arn = string
  }))
}

variable "retry_policy" {
  description = "How long and how often EventBridge retries a delivery that failed before sending the event to the dead-letter queue."
  type = object({
    maximum_event_age_seconds = optional(number, 86400)
    maximum_retry_attempts    = optional(number, 185)
  })
  default = {}

  validation {
    condition     = var.retry_policy.maximum_event_age_seconds >= 60 && var.retry_policy.maximum_event_age_seconds <= 86400
    error_message = "maximum_event_age_seconds must be from 60 to 86400."
  }

  validation {
    condition     = var.retry_policy.maximum_retry_attempts >= 0 && var.retry_policy.maximum_retry_attempts <= 185
    error_message = "maximum_retry_attempts must be from 0 to 185."
  }
}
