# One Leadflow environment: network, edge (ALB + WAF, CloudFront + WAF), data (DynamoDB, SQS,
# EventBridge, S3), identity (Cognito), compute (ECS) and alarms. Tables, queues, rules, the
# bucket and the identity settings come from the resource manifest the local bootstrap reads too.
# The services, their environment variables and their IAM roles are in services.tf and iam.tf.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

# The zones this account may use: a letter such as "b" does not exist for every account in
# every region (ap-northeast-1b for new accounts), and Local Zones need an opt-in.
data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:The network takes the first zones by name; a zone AWS adds gets a later letter and sorts after them, so the subnets stay where they are.
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

data "aws_partition" "current" {}

locals {
  manifest = jsondecode(file("${path.module}/../../../shared/resources/manifest.json"))

  name_prefix = "leadflow-${var.environment}"
  account_id  = data.aws_caller_identity.current.account_id
  region      = data.aws_region.current.name
  partition   = data.aws_partition.current.partition

  hosts = {
    api    = "api.${var.domain_name}"
    ingest = "in.${var.domain_name}"
    assets = "assets.${var.domain_name}"
  }

  # EventBridge rules from the manifest, and which rules deliver to each queue or (on failure) DLQ.
  rules = {
    for name, rule in local.manifest.rules : name => {
      description   = rule.description
      event_pattern = jsonencode(rule.eventPattern)
      target        = rule.target
    }
  }
  queue_senders = {
    for queue in concat(keys(local.manifest.queues), keys(local.manifest.deadLetterQueues)) : queue => [
      for name, rule in local.manifest.rules : module.eventbridge.rule_arns[name]
      if rule.target == queue || local.manifest.queues[rule.target].deadLetterQueue == queue
    ]
  }
}

# ---------------------------------------------------------------------------------------------
# Encryption keys
# ---------------------------------------------------------------------------------------------

# The environment's data key: DynamoDB, SQS, SNS, ECR, CloudWatch Logs. Services get use of it
# through their IAM roles (the account statement), AWS services through the statements below.
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" means this key only, and the account statement is the AWS default that delegates to IAM.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" means this key only; writers are limited by principal and condition.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only resource a key policy can name (the key itself).
  statement {
    sid       = "AccountAdministersAndGrantsThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  statement {
    sid       = "EventBridgeSendsToEncryptedQueues"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${local.name_prefix}: DynamoDB, SQS, SNS, ECR and CloudWatch Logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name_prefix}"
  target_key_id = aws_kms_key.this.key_id
}

# CloudFront's WAF must log in us-east-1, and a log group's key must be in its own region.
data "aws_iam_policy_document" "kms_edge" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" means this key only, and the account statement is the AWS default that delegates to IAM.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" means this key only; writers are limited by principal and condition.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only resource a key policy can name (the key itself).
  statement {
    sid       = "AccountAdministersAndGrantsThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.us-east-1.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:us-east-1:${local.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "edge" {
  provider = aws.us_east_1

  description             = "${local.name_prefix}: CloudFront WAF logs (us-east-1)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_edge.json
}

resource "aws_kms_alias" "edge" {
  provider = aws.us_east_1

  name          = "alias/${local.name_prefix}-edge"
  target_key_id = aws_kms_key.edge.key_id
}

# ---------------------------------------------------------------------------------------------
# Network and logs
# ---------------------------------------------------------------------------------------------

module "network" {
  source = "../network"

  name                    = local.name_prefix
  cidr_block              = var.network.cidr_block
  availability_zones      = slice(sort(data.aws_availability_zones.available.names), 0, var.network.az_count)
  single_nat_gateway      = var.network.single_nat_gateway
  kms_key_arn             = aws_kms_key.this.arn
  flow_log_retention_days = var.log_retention_days
}

module "logs" {
  source = "../log-bucket"

  name           = "${local.name_prefix}-logs-${local.account_id}"
  retention_days = var.log_retention_days
  force_destroy  = !var.deletion_protection
}

# ---------------------------------------------------------------------------------------------
# Data: tables, queues, bus, assets
# ---------------------------------------------------------------------------------------------

module "dynamodb" {
  source = "../dynamodb"

  name_prefix         = local.name_prefix
  tables              = local.manifest.tables
  kms_key_arn         = aws_kms_key.this.arn
  deletion_protection = var.deletion_protection
}

module "sqs" {
  source = "../sqs"

  name_prefix        = local.name_prefix
  queues             = local.manifest.queues
  dead_letter_queues = local.manifest.deadLetterQueues
  kms_key_arn        = aws_kms_key.this.arn
  sender_rule_arns   = local.queue_senders
}

module "eventbridge" {
  source = "../eventbridge"

  bus_name               = "${local.manifest.eventBus.name}-${var.environment}"
  archive_retention_days = local.manifest.eventBus.archiveRetentionDays
  rules                  = local.rules
  target_queues = {
    for name, queue in local.manifest.queues : name => {
      arn             = module.sqs.queue_arns[name]
      dead_letter_arn = module.sqs.dead_letter_queue_arns[queue.deadLetterQueue]
    }
  }
}

module "tenant_assets" {
  source = "../tenant-assets"

  name_prefix     = local.name_prefix
  versioning      = local.manifest.buckets["tenant-assets"].versioning
  domain_name     = local.hosts.assets
  upload_origins  = var.frontend_origins
  certificate_arn = aws_acm_certificate_validation.assets.certificate_arn
  web_acl_arn     = module.waf_cloudfront.arn
  force_destroy   = !var.deletion_protection
  log_bucket = {
    name        = module.logs.bucket
    domain_name = module.logs.bucket_domain_name
  }
}

# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------

module "cognito" {
  source = "../cognito"

  name                = "${local.manifest.identity.userPoolName}-${var.environment}"
  app_client_name     = local.manifest.identity.appClientName
  custom_attributes   = local.manifest.identity.customAttributes
  groups              = local.manifest.identity.groups
  threat_protection   = var.cognito.threat_protection
  deletion_protection = var.deletion_protection
  email_sender        = var.cognito.email_sender
  oauth = {
    domain_prefix = var.cognito.domain_prefix
    callback_urls = var.cognito.callback_urls
    logout_urls   = var.cognito.logout_urls
  }
}

# ---------------------------------------------------------------------------------------------
# Edge: load balancer, WAFs
# ---------------------------------------------------------------------------------------------

module "alb" {
  source = "../alb"

  name                = local.name_prefix
  vpc_id              = module.network.vpc_id
  vpc_cidr_block      = module.network.vpc_cidr_block
  subnet_ids          = module.network.public_subnet_ids
  certificate_arn     = aws_acm_certificate_validation.api.certificate_arn
  target_port         = local.container_port
  access_logs_bucket  = module.logs.bucket
  web_acl_arn         = module.waf_alb.arn
  deletion_protection = var.deletion_protection
  services = {
    for name, service in local.services : name => {
      priority      = service.priority
      path_patterns = service.path_patterns
      host_headers  = service.host_headers
    }
  }
}

module "waf_alb" {
  source = "../waf"

  name              = "${local.name_prefix}-alb"
  scope             = "REGIONAL"
  rate_limit_per_ip = var.rate_limits.per_ip
  # Public form posts only: API-key clients and Google's shared addresses have the service's
  # per-key and per-form limits, far above what one browser sends.
  path_rate_limits      = { "/v1/ingest/forms/" = var.rate_limits.ingest_per_ip }
  common_rules_to_count = ["SizeRestrictions_BODY"] # ingestion accepts bodies up to 32 KiB and enforces it itself
  kms_key_arn           = aws_kms_key.this.arn
  log_retention_days    = var.log_retention_days
}

module "waf_cloudfront" {
  source = "../waf"
  providers = {
    aws = aws.us_east_1
  }

  name               = "${local.name_prefix}-assets"
  scope              = "CLOUDFRONT"
  rate_limit_per_ip  = var.rate_limits.per_ip
  kms_key_arn        = aws_kms_key.edge.arn
  log_retention_days = var.log_retention_days
}

# ---------------------------------------------------------------------------------------------
# Compute and images
# ---------------------------------------------------------------------------------------------

module "ecr" {
  source = "../ecr"

  repository_names = [for name in keys(local.services) : "leadflow/${name}"]
  kms_key_arn      = aws_kms_key.this.arn
  force_delete     = !var.deletion_protection
}

module "ecs_cluster" {
  source = "../ecs-cluster"

  name               = local.name_prefix
  kms_key_arn        = aws_kms_key.this.arn
  log_retention_days = var.log_retention_days
}

# ---------------------------------------------------------------------------------------------
# Alarms
# ---------------------------------------------------------------------------------------------

module "observability" {
  source = "../observability"

  name_prefix  = local.name_prefix
  kms_key_arn  = aws_kms_key.this.arn
  alarm_emails = var.alarm_emails
  queues = {
    for name, queue in local.manifest.queues : name => {
      name             = module.sqs.queue_names[name]
      dead_letter_name = module.sqs.dead_letter_queue_names[queue.deadLetterQueue]
    }
  }
  load_balancer = {
    arn_suffix    = module.alb.arn_suffix
    target_groups = module.alb.target_group_arn_suffixes
  }
}
