variable "name_prefix" {
  description = "Prefix of the topic and alarm names, e.g. leadflow-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{3,200}$", var.name_prefix))
    error_message = "name_prefix must be 3-200 letters, digits, hyphens or underscores."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the alarm topic; its policy must let CloudWatch use it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm once)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

variable "queues" {
  description = "Queues to watch, keyed by logical name: the queue's name (oldest message age) and its dead-letter queue's name (depth)."
  type = map(object({
    name             = string
    dead_letter_name = string
  }))
}

variable "load_balancer" {
  description = "Load balancer to watch: its ARN suffix and the ARN suffix of each service's target group."
  type = object({
    arn_suffix    = string
    target_groups = map(string)
  })
}

variable "thresholds" {
  description = "Alarm thresholds: oldest queue message age (seconds), 5xx share of requests per service (percent), and load-balancer-generated 5xx per 5 minutes."
  type = object({
    oldest_message_age_seconds = optional(number, 900)
    target_5xx_percent         = optional(number, 5)
    load_balancer_5xx_count    = optional(number, 25)
  })
  default = {}

  validation {
    condition     = var.thresholds.oldest_message_age_seconds >= 60 && var.thresholds.target_5xx_percent > 0 && var.thresholds.target_5xx_percent <= 100 && var.thresholds.load_balancer_5xx_count >= 1
    error_message = "oldest_message_age_seconds >= 60, 0 < target_5xx_percent <= 100, load_balancer_5xx_count >= 1."
  }
}
