variable "name" {
  description = "Bucket name; must be globally unique, e.g. leadflow-dev-logs-123456789012."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "retention_days" {
  description = "Days to keep log objects before they expire."
  type        = number
  default     = 365

  validation {
    condition     = var.retention_days >= 1 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a positive whole number."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete a bucket that still holds logs (dev only)."
  type        = bool
  default     = false
}
