variable "name_prefix" {
  description = "Prefix of every table name: <name_prefix>-<logical name>, e.g. leadflow-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,200}$", var.name_prefix))
    error_message = "name_prefix must be 3-200 of the characters DynamoDB allows in table names."
  }
}

variable "tables" {
  description = "Tables keyed by logical name, in the shape of the resource manifest's `tables` (shared/resources/manifest.json)."
  type = map(object({
    hashKey    = string
    rangeKey   = optional(string)
    attributes = map(string)
    globalSecondaryIndexes = optional(list(object({
      name       = string
      hashKey    = string
      rangeKey   = optional(string)
      projection = optional(string, "ALL")
    })), [])
    ttlAttribute = optional(string)
  }))

  validation {
    condition     = length(var.tables) > 0
    error_message = "At least one table."
  }

  validation {
    condition     = alltrue(flatten([for t in var.tables : [for type in values(t.attributes) : contains(["S", "N", "B"], type)]]))
    error_message = "Attribute types must be S, N or B."
  }

  validation {
    condition = alltrue([
      for t in var.tables : alltrue(concat(
        [contains(keys(t.attributes), t.hashKey)],
        [t.rangeKey == null ? true : contains(keys(t.attributes), t.rangeKey)],
        [for g in t.globalSecondaryIndexes : contains(keys(t.attributes), g.hashKey)],
        [for g in t.globalSecondaryIndexes : g.rangeKey == null ? true : contains(keys(t.attributes), g.rangeKey)],
      ))
    ])
    error_message = "Every table and index key must be declared in the table's attributes."
  }

  validation {
    condition = alltrue([
      for t in var.tables : length(setsubtract(keys(t.attributes), compact(concat(
        [t.hashKey, t.rangeKey == null ? "" : t.rangeKey],
        [for g in t.globalSecondaryIndexes : g.hashKey],
        [for g in t.globalSecondaryIndexes : g.rangeKey == null ? "" : g.rangeKey],
      )))) == 0
    ])
    error_message = "DynamoDB only accepts attributes that are a table or index key; remove the others from attributes."
  }

  validation {
    condition     = alltrue(flatten([for t in var.tables : [for g in t.globalSecondaryIndexes : contains(["ALL", "KEYS_ONLY"], g.projection)]]))
    error_message = "Index projection must be ALL or KEYS_ONLY."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key that encrypts every table."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete tables until this is turned off."
  type        = bool
  default     = true
}
