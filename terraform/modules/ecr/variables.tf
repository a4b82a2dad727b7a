variable "repository_names" {
  description = "Repositories to create, e.g. [\"leadflow/ingestion\", \"leadflow/leads\"]."
  type        = set(string)

  validation {
    condition     = alltrue([for n in var.repository_names : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", n))])
    error_message = "Repository names must be lowercase path segments, e.g. leadflow/leads."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the images."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "keep_images" {
  description = "Tagged images kept per repository (older ones expire); enough to roll back several releases."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_images >= 5 && var.keep_images <= 1000
    error_message = "keep_images must be from 5 to 1000."
  }
}

variable "force_delete" {
  description = "Let terraform destroy delete repositories that still hold images (only when tearing an environment down)."
  type        = bool
  default     = false
}
