variable "name" {
  description = "Name of the user pool, e.g. leadflow-dev."
  type        = string

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 128
    error_message = "name must be 1-128 characters."
  }
}

variable "app_client_name" {
  description = "Name of the app client the frontend signs in with."
  type        = string
  default     = "leadflow-web"
}

variable "custom_attributes" {
  description = "Custom string attributes, from the resource manifest's identity.customAttributes. They are immutable (set once by AdminCreateUser) and the app client cannot write them."
  type = list(object({
    name      = string
    type      = optional(string, "String")
    maxLength = optional(number, 256)
  }))

  validation {
    condition     = alltrue([for a in var.custom_attributes : a.type == "String" && can(regex("^[a-z_]{1,20}$", a.name)) && a.maxLength >= 1 && a.maxLength <= 2048])
    error_message = "Custom attributes must be String, named with lowercase letters and underscores (at most 20), maxLength 1-2048."
  }
}

variable "groups" {
  description = "Role groups, highest precedence first (cognito:groups in the ID token)."
  type        = list(string)

  validation {
    condition     = length(var.groups) > 0 && length(var.groups) == length(distinct(var.groups))
    error_message = "groups must be a non-empty list of distinct names."
  }
}

variable "token_validity" {
  description = "Lifetimes: ID and access tokens in minutes, refresh tokens in days."
  type = object({
    id_token_minutes     = optional(number, 60)
    access_token_minutes = optional(number, 60)
    refresh_token_days   = optional(number, 30)
  })
  default = {}

  validation {
    condition = (
      var.token_validity.id_token_minutes >= 5 && var.token_validity.id_token_minutes <= 1440 &&
      var.token_validity.access_token_minutes >= 5 && var.token_validity.access_token_minutes <= 1440 &&
      var.token_validity.refresh_token_days >= 1 && var.token_validity.refresh_token_days <= 3650
    )
    error_message = "ID and access tokens live 5-1440 minutes, refresh tokens 1-3650 days."
  }
}

variable "threat_protection" {
  description = "Plus feature plan with threat protection (advanced security) ENFORCED: compromised-credential and adaptive-authentication checks. Costs extra per active user."
  type        = bool
  default     = false
}

variable "oauth" {
  description = "Hosted sign-in (authorization code flow with PKCE) for the frontend: the Cognito domain prefix and the allowed callback and logout URLs. Leave callback_urls empty when the frontend signs in with SRP only."
  type = object({
    domain_prefix = optional(string)
    callback_urls = optional(list(string), [])
    logout_urls   = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = length(var.oauth.callback_urls) == 0 || can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.oauth.domain_prefix))
    error_message = "With callback_urls, domain_prefix must be set: lowercase letters, digits and hyphens (not starting or ending with a hyphen)."
  }

  validation {
    condition     = alltrue([for u in concat(var.oauth.callback_urls, var.oauth.logout_urls) : startswith(u, "https://") || startswith(u, "http://localhost")])
    error_message = "Callback and logout URLs must use https (http only for localhost)."
  }
}

variable "email_sender" {
  description = "SES identity to send invitation and reset e-mails from; null uses Cognito's built-in sender (a few dozen e-mails a day: dev only)."
  type = object({
    source_arn   = string
    from_address = string
    reply_to     = optional(string)
  })
  default = null
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool until this is turned off."
  type        = bool
  default     = true
}
