variable "name_prefix" {
  description = "Prefix of every queue name: <name_prefix>-<logical name>, e.g. leadflow-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{3,60}$", var.name_prefix))
    error_message = "name_prefix must be 3-60 letters, digits, hyphens or underscores."
  }
}

variable "queues" {
  description = "Queues keyed by logical name, in the shape of the resource manifest's `queues`; deadLetterQueue names an entry of dead_letter_queues."
  type = map(object({
    visibilityTimeoutSeconds = number
    messageRetentionSeconds  = number
    maxReceiveCount          = number
    deadLetterQueue          = string
  }))

  validation {
    condition     = alltrue([for q in var.queues : q.visibilityTimeoutSeconds >= 0 && q.visibilityTimeoutSeconds <= 43200])
    error_message = "visibilityTimeoutSeconds must be from 0 to 43200."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.messageRetentionSeconds >= 60 && q.messageRetentionSeconds <= 1209600])
    error_message = "messageRetentionSeconds must be from 60 to 1209600 (14 days)."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.maxReceiveCount >= 1 && q.maxReceiveCount <= 1000])
    error_message = "maxReceiveCount must be from 1 to 1000."
  }
}

variable "dead_letter_queues" {
  description = "Dead-letter queues keyed by logical name, in the shape of the resource manifest's `deadLetterQueues`."
  type = map(object({
    messageRetentionSeconds = number
  }))

  validation {
    condition     = alltrue([for q in var.dead_letter_queues : q.messageRetentionSeconds >= 60 && q.messageRetentionSeconds <= 1209600])
    error_message = "messageRetentionSeconds must be from 60 to 1209600 (14 days)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for server-side encryption; its policy must let EventBridge use it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "sender_rule_arns" {
  description = "EventBridge rules allowed to send to each queue or dead-letter queue (by logical name). No other principal outside the account can send."
  type        = map(list(string))
  default     = {}
}
