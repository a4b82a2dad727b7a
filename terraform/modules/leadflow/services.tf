# The four services: how the load balancer routes to them, which queue scales a worker, and —
# the contract with the code — exactly which environment variables each one gets.
#
# service_environment is checked by terraform/test (make tf-check): for every service its keys
# must include every variable its configuration schema requires (scripts/service-configs.ts),
# and nothing the schema does not declare, and no local-only variable. Keep it a literal map of
# literal maps (no merge()), so the check can read it without evaluating Terraform.

locals {
  container_port       = 8080
  stop_timeout_seconds = 30    # ECS sends SIGKILL this long after SIGTERM...
  shutdown_timeout_ms  = 25000 # ...so the services' drain budget stays below it.

  services = {
    ingestion = {
      priority      = 10
      path_patterns = ["/v1/ingest/*"]
      host_headers  = [local.hosts.ingest]
      queue         = null
    }
    leads = {
      priority      = 20
      path_patterns = ["/v1/leads", "/v1/leads/*"]
      host_headers  = []
      queue         = "lead-intake"
    }
    crm-sync = {
      priority      = 30
      path_patterns = ["/v1/crm-sync/*"]
      host_headers  = []
      queue         = "crm-sync"
    }
    tenant-config = {
      priority = 40
      path_patterns = [
        "/v1/tenant", "/v1/tenant/*", "/v1/tenants", "/v1/tenants/*", "/v1/forms*",
        "/v1/api-keys*", "/v1/crm-connections*", "/v1/members*", "/v1/public/*",
      ]
      host_headers = []
      queue        = null
    }
  }

  # Task size and count per service: var.service_capacity over these defaults.
  capacity = {
    for name in keys(local.services) : name => {
      cpu       = coalesce(try(var.service_capacity[name].cpu, null), 256)
      memory    = coalesce(try(var.service_capacity[name].memory, null), 512)
      min_tasks = coalesce(try(var.service_capacity[name].min_tasks, null), 2)
      max_tasks = coalesce(try(var.service_capacity[name].max_tasks, null), 6)
    }
  }

  service_environment = {
    ingestion = {
      NODE_ENV            = "production"
      PORT                = local.container_port
      LOG_LEVEL           = var.log_level
      SHUTDOWN_TIMEOUT_MS = local.shutdown_timeout_ms
      TRUST_PROXY_HOPS    = 1
      AWS_REGION          = local.region
      TENANTS_TABLE       = module.dynamodb.names["tenants"]
      RUNTIME_TABLE       = module.dynamodb.names["runtime"]
      EVENT_BUS_NAME      = module.eventbridge.bus_name
    }

    leads = {
      NODE_ENV              = "production"
      PORT                  = local.container_port
      LOG_LEVEL             = var.log_level
      SHUTDOWN_TIMEOUT_MS   = local.shutdown_timeout_ms
      TRUST_PROXY_HOPS      = 1
      AWS_REGION            = local.region
      AUTH_PROVIDER         = "cognito"
      AUTH_ISSUER           = module.cognito.issuer
      AUTH_AUDIENCE         = module.cognito.app_client_id
      FRONTEND_ORIGINS      = join(",", var.frontend_origins)
      LEADS_TABLE           = module.dynamodb.names["leads"]
      TENANTS_TABLE         = module.dynamodb.names["tenants"]
      EVENT_BUS_NAME        = module.eventbridge.bus_name
      LEAD_INTAKE_QUEUE_URL = module.sqs.queue_urls["lead-intake"]
    }

    crm-sync = {
      NODE_ENV            = "production"
      PORT                = local.container_port
      LOG_LEVEL           = var.log_level
      SHUTDOWN_TIMEOUT_MS = local.shutdown_timeout_ms
      TRUST_PROXY_HOPS    = 1
      AWS_REGION          = local.region
      AUTH_PROVIDER       = "cognito"
      AUTH_ISSUER         = module.cognito.issuer
      AUTH_AUDIENCE       = module.cognito.app_client_id
      FRONTEND_ORIGINS    = join(",", var.frontend_origins)
      LEADS_TABLE         = module.dynamodb.names["leads"]
      TENANTS_TABLE       = module.dynamodb.names["tenants"]
      CRM_SYNC_QUEUE_URL  = module.sqs.queue_urls["crm-sync"]
      CRM_SYNC_DLQ_URL    = module.sqs.dead_letter_queue_urls["crm-sync-dlq"]
      SECRETS_PREFIX      = local.secrets_prefix
    }

    tenant-config = {
      NODE_ENV             = "production"
      PORT                 = local.container_port
      LOG_LEVEL            = var.log_level
      SHUTDOWN_TIMEOUT_MS  = local.shutdown_timeout_ms
      TRUST_PROXY_HOPS     = 1
      AWS_REGION           = local.region
      AUTH_PROVIDER        = "cognito"
      AUTH_ISSUER          = module.cognito.issuer
      AUTH_AUDIENCE        = module.cognito.app_client_id
      FRONTEND_ORIGINS     = join(",", var.frontend_origins)
      TENANTS_TABLE        = module.dynamodb.names["tenants"]
      EVENT_BUS_NAME       = module.eventbridge.bus_name
      ASSETS_BUCKET        = module.tenant_assets.bucket_name
      ASSETS_PUBLIC_URL    = module.tenant_assets.public_url
      COGNITO_USER_POOL_ID = module.cognito.user_pool_id
      SECRETS_PREFIX       = local.secrets_prefix
    }
  }

  # Variables filled from Secrets Manager when the task starts (name => secret ARN). No service
  # takes a secret through its environment today: CRM credentials are read at run time under
  # SECRETS_PREFIX. Checked like service_environment.
  service_secrets = {
    ingestion     = {}
    leads         = {}
    crm-sync      = {}
    tenant-config = {}
  }
}

module "service" {
  source   = "../ecs-service"
  for_each = local.services

  name               = "${local.name_prefix}-${each.key}"
  region             = local.region
  cluster_arn        = module.ecs_cluster.arn
  cluster_name       = module.ecs_cluster.name
  image              = "${module.ecr.repository_urls["leadflow/${each.key}"]}:${var.image_tag}"
  cpu                = local.capacity[each.key].cpu
  memory             = local.capacity[each.key].memory
  container_port     = local.container_port
  environment        = local.service_environment[each.key]
  secrets            = local.service_secrets[each.key]
  task_role_arn      = aws_iam_role.task[each.key].arn
  execution_role_arn = aws_iam_role.execution.arn
  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.private_subnet_ids
  load_balancer = {
    target_group_arn  = module.alb.target_group_arns[each.key]
    security_group_id = module.alb.security_group_id
  }
  stop_timeout_seconds = local.stop_timeout_seconds
  autoscaling = {
    min_tasks  = local.capacity[each.key].min_tasks
    max_tasks  = local.capacity[each.key].max_tasks
    queue_name = each.value.queue == null ? null : "${local.name_prefix}-${each.value.queue}"
  }
  log_kms_key_arn    = aws_kms_key.this.arn
  log_retention_days = var.log_retention_days

  # Tasks must not start before their roles can do their work.
  depends_on = [aws_iam_role_policy.task, aws_iam_role_policy.execution]
}
