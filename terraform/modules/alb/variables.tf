variable "name" {
  description = "Name of the load balancer and prefix of its target groups, e.g. leadflow-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,18}$", var.name))
    error_message = "name must be 3-19 lowercase letters, digits or hyphens (target group names add -<service> and may not pass 32 characters)."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and its targets."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC: the load balancer may only connect to targets inside it."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr_block))
    error_message = "vpc_cidr_block must be an IPv4 CIDR."
  }
}

variable "subnet_ids" {
  description = "Public subnets, at least two zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An application load balancer needs subnets in at least two availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate (validated) for the HTTPS listener; must cover every host in services[*].host_headers and the API host."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "target_port" {
  description = "Port every service container listens on (PORT)."
  type        = number
  default     = 8080

  validation {
    condition     = var.target_port > 0 && var.target_port < 65536
    error_message = "target_port must be a TCP port."
  }
}

variable "services" {
  description = <<-EOT
    Services behind the load balancer, keyed by service name. Each gets a target group (health check
    GET /readyz) and listener rules: path_patterns (ALB wildcards, any number, split into rules of
    five) at priority, priority+1, ...; host_headers, if any, in one rule evaluated before every path
    rule, so a host dedicated to a service reaches only that service.
  EOT
  type = map(object({
    priority      = number
    path_patterns = list(string)
    host_headers  = optional(list(string), [])
  }))

  validation {
    condition     = alltrue([for s in var.services : s.priority >= 10 && s.priority <= 49000 && length(s.path_patterns) > 0])
    error_message = "Every service needs at least one path pattern and a priority from 10 to 49000 (1-9 are reserved for host rules)."
  }

  validation {
    condition     = length(flatten([for s in var.services : [for i in range(ceil(length(s.path_patterns) / 5)) : s.priority + i]])) == length(distinct(flatten([for s in var.services : [for i in range(ceil(length(s.path_patterns) / 5)) : s.priority + i]])))
    error_message = "Listener rule priorities overlap: space the services' priorities by at least ceil(paths / 5)."
  }

  validation {
    condition     = length([for s in var.services : s if length(s.host_headers) > 0]) <= 9 && alltrue([for s in var.services : length(s.host_headers) <= 5])
    error_message = "At most nine services may have host rules, each with at most five host headers."
  }
}

variable "web_acl_arn" {
  description = "REGIONAL WAF web ACL that protects the load balancer (a public load balancer is never left without one)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/", var.web_acl_arn))
    error_message = "web_acl_arn must be a REGIONAL WAFv2 web ACL ARN."
  }
}

variable "access_logs_bucket" {
  description = "S3 bucket receiving access logs under the prefix alb/ (its policy must allow load-balancer log delivery)."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer until this is turned off."
  type        = bool
  default     = true
}

variable "idle_timeout_seconds" {
  description = "Seconds a connection may stay idle. Must stay below the services' HTTP keep-alive timeout (65 s, shared/core lifecycle.ts), or the load balancer reuses connections Node has closed (502s)."
  type        = number
  default     = 60

  validation {
    condition     = var.idle_timeout_seconds >= 1 && var.idle_timeout_seconds <= 60
    error_message = "idle_timeout_seconds must be from 1 to 60 (below the services' 65 s keep-alive)."
  }
}
