variable "name" {
  description = "Name of the service, task family, log group and security group, e.g. leadflow-dev-leads."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,60}$", var.name))
    error_message = "name must be 3-61 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the cluster (the awslogs driver needs it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster."
  type        = string
}

variable "cluster_name" {
  description = "Name of the ECS cluster (the autoscaling resource id uses it)."
  type        = string
}

variable "image" {
  description = "Container image with an immutable tag, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/leadflow/leads:3f2c1a7."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+[:@][^\\s:@]+$", var.image)) && !endswith(var.image, ":latest")
    error_message = "image must name a tag or digest, and not :latest."
  }
}

variable "cpu" {
  description = "Fargate CPU units of the task (256 = 0.25 vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Memory of the task in MiB; must be a valid Fargate combination with cpu."
  type        = number
  default     = 512

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880 && var.memory % 512 == 0
    error_message = "memory must be a multiple of 512 MiB from 512 to 122880."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture the image is built for."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "container_port" {
  description = "Port the container listens on; the environment's PORT must say the same."
  type        = number
  default     = 8080

  validation {
    condition     = var.container_port > 1024 && var.container_port < 65536
    error_message = "container_port must be an unprivileged TCP port (the image runs as a non-root user)."
  }
}

variable "environment" {
  description = "Environment variables of the container: exactly the service's configuration contract."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.environment) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "Environment variable names must be upper case with underscores."
  }
}

variable "secrets" {
  description = "Environment variables filled from Secrets Manager or SSM at start-up: name => secret ARN (optionally :json-key::)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.secrets) : can(regex("^arn:aws[a-z-]*:(secretsmanager|ssm):", arn))])
    error_message = "Every secret must be a Secrets Manager or SSM parameter ARN."
  }
}

variable "task_role_arn" {
  description = "Least-privilege role the application's AWS calls run as; built by the caller for this service only."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.task_role_arn))
    error_message = "task_role_arn must be an IAM role ARN."
  }
}

variable "execution_role_arn" {
  description = "Role ECS uses to pull the image, write logs and read the secrets."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.execution_role_arn))
    error_message = "execution_role_arn must be an IAM role ARN."
  }
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the tasks (no public IPs)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Spread tasks over at least two subnets (zones)."
  }
}

variable "load_balancer" {
  description = "Target group the tasks register in and the security group of the load balancer allowed to reach them; null for a service without HTTP traffic."
  type = object({
    target_group_arn  = string
    security_group_id = string
  })
  default = null
}

variable "stop_timeout_seconds" {
  description = "Seconds between SIGTERM and SIGKILL; above the service's SHUTDOWN_TIMEOUT_MS drain budget."
  type        = number
  default     = 30

  validation {
    condition     = var.stop_timeout_seconds >= 2 && var.stop_timeout_seconds <= 120
    error_message = "stop_timeout_seconds must be from 2 to 120 (the Fargate maximum)."
  }
}

variable "autoscaling" {
  description = <<-EOT
    Task count bounds and scaling targets. CPU target tracking always applies; with queue_name, a
    second policy tracks the queue's visible messages (scale out when either asks, in when both agree).
  EOT
  type = object({
    min_tasks               = optional(number, 1)
    max_tasks               = optional(number, 4)
    cpu_target_percent      = optional(number, 60)
    queue_name              = optional(string)
    queue_messages_per_task = optional(number, 100)
  })
  default = {}

  validation {
    condition     = var.autoscaling.min_tasks >= 1 && var.autoscaling.max_tasks >= var.autoscaling.min_tasks && var.autoscaling.max_tasks <= 100
    error_message = "Need 1 <= min_tasks <= max_tasks <= 100."
  }

  validation {
    condition     = var.autoscaling.cpu_target_percent >= 10 && var.autoscaling.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be from 10 to 90."
  }

  validation {
    condition     = var.autoscaling.queue_messages_per_task >= 1
    error_message = "queue_messages_per_task must be at least 1."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the service's log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Days to keep the service's logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}
