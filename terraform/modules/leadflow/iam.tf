# Least privilege per service: each task role reaches only its own tables (and their indexes),
# queues, the bus, the bucket prefix and the secrets prefix. No wildcard action anywhere; the
# only wildcard resource is ecr:GetAuthorizationToken, which AWS cannot scope.

locals {
  secrets_prefix  = "leadflow/${var.environment}/"
  secrets_arn     = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${local.secrets_prefix}*"
  assets_objects  = "${module.tenant_assets.bucket_arn}/${module.tenant_assets.public_prefix}*"
  log_streams_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/ecs/${local.name_prefix}-*:log-stream:*"

  # The data key encrypts tables and queues; services may use it only through those two services.
  kms_via_dynamodb         = ["dynamodb.${local.region}.amazonaws.com"]
  kms_via_dynamodb_and_sqs = ["dynamodb.${local.region}.amazonaws.com", "sqs.${local.region}.amazonaws.com"]

  dynamodb_read  = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"]
  dynamodb_write = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]
  sqs_consume    = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]

  task_policies = {
    ingestion     = data.aws_iam_policy_document.ingestion.json
    leads         = data.aws_iam_policy_document.leads.json
    crm-sync      = data.aws_iam_policy_document.crm_sync.json
    tenant-config = data.aws_iam_policy_document.tenant_config.json
  }

  secret_arns = distinct(flatten([for secrets in values(local.service_secrets) : values(secrets)]))
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Task execution role (shared): pull the image, write the logs, read task secrets
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "execution" {
  name               = "${local.name_prefix}-task-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions
  }

  statement {
    sid       = "PullServiceImages"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = values(module.ecr.repository_arns)
  }

  statement {
    sid       = "WriteServiceLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.log_streams_arn]
  }

  dynamic "statement" {
    for_each = length(local.secret_arns) > 0 ? [local.secret_arns] : []

    content {
      sid       = "ReadTaskSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = statement.value
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-log-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ---------------------------------------------------------------------------------------------
# Task roles, one per service
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "task" {
  for_each = local.services

  name               = "${local.name_prefix}-${each.key}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "task" {
  for_each = local.services

  name   = "${each.key}-least-privilege"
  role   = aws_iam_role.task[each.key].id
  policy = local.task_policies[each.key]
}

# ingestion: resolves forms and API keys (tenants), idempotency and rate limits (runtime),
# publishes lead.received.
data "aws_iam_policy_document" "ingestion" {
  statement {
    sid       = "ReadTenants"
    actions   = local.dynamodb_read
    resources = [module.dynamodb.arns["tenants"], module.dynamodb.index_arns["tenants"]]
  }

  # Its one write to the tenants table sets an API key's lastUsedAt: nothing else of an item
  # (a key's revocation, a member's role, a form's owner) can be changed by this role.
  statement {
    sid       = "RecordApiKeyUse"
    actions   = ["dynamodb:UpdateItem"]
    resources = [module.dynamodb.arns["tenants"]]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:Attributes"
      values   = ["PK", "SK", "lastUsedAt"]
    }
  }

  statement {
    sid       = "IdempotencyAndRateLimits"
    actions   = concat(local.dynamodb_read, local.dynamodb_write)
    resources = [module.dynamodb.arns["runtime"]]
  }

  # Only its own events: the rules route by source and detail type, so a role that could send
  # another service's would feed forged leads to its consumers.
  statement {
    sid       = "PublishLeadReceived"
    actions   = ["events:PutEvents"]
    resources = [module.eventbridge.bus_arn]

    condition {
      test     = "StringEquals"
      variable = "events:source"
      values   = ["leadflow.ingestion"]
    }

    condition {
      test     = "StringEquals"
      variable = "events:detail-type"
      values   = ["lead.received"]
    }
  }

  statement {
    sid       = "BusReadiness"
    actions   = ["events:DescribeEventBus"]
    resources = [module.eventbridge.bus_arn]
  }

  statement {
    sid       = "UseDataKeyThroughDynamoDB"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_via_dynamodb
    }
  }
}

# leads: owns the leads table, reads tenant settings, consumes lead-intake, publishes lead
# changes through the outbox relay (a resync is a lead.updated too, so no crm-sync access).
data "aws_iam_policy_document" "leads" {
  statement {
    sid       = "OwnLeads"
    actions   = concat(local.dynamodb_read, local.dynamodb_write)
    resources = [module.dynamodb.arns["leads"], module.dynamodb.index_arns["leads"]]
  }

  statement {
    sid       = "ReadTenantSettings"
    actions   = local.dynamodb_read
    resources = [module.dynamodb.arns["tenants"], module.dynamodb.index_arns["tenants"]]
  }

  statement {
    sid       = "ConsumeLeadIntake"
    actions   = local.sqs_consume
    resources = [module.sqs.queue_arns["lead-intake"]]
  }

  # Only its own events: the rules route by source and detail type, so a role that could send
  # another service's would feed forged lead changes to its consumers.
  statement {
    sid       = "PublishLeadChanges"
    actions   = ["events:PutEvents"]
    resources = [module.eventbridge.bus_arn]

    condition {
      test     = "StringEquals"
      variable = "events:source"
      values   = ["leadflow.leads"]
    }

    condition {
      test     = "StringEquals"
      variable = "events:detail-type"
      values   = ["lead.created", "lead.updated", "lead.erased", "lead.deleted"]
    }
  }

  statement {
    sid       = "BusReadiness"
    actions   = ["events:DescribeEventBus"]
    resources = [module.eventbridge.bus_arn]
  }

  statement {
    sid       = "UseDataKeyThroughDynamoDBAndSqs"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_via_dynamodb_and_sqs
    }
  }
}

# crm-sync: consumes crm-sync, redrives its DLQ, writes sync status on leads, reads CRM
# connections, reads CRM credentials under the secrets prefix (it never writes them).
data "aws_iam_policy_document" "crm_sync" {
  statement {
    sid       = "ReadLeadsWriteSyncStatus"
    actions   = concat(local.dynamodb_read, ["dynamodb:UpdateItem"])
    resources = [module.dynamodb.arns["leads"], module.dynamodb.index_arns["leads"]]
  }

  statement {
    sid       = "ReadCrmConnections"
    actions   = local.dynamodb_read
    resources = [module.dynamodb.arns["tenants"], module.dynamodb.index_arns["tenants"]]
  }

  statement {
    sid       = "ConsumeCrmSync"
    actions   = concat(local.sqs_consume, ["sqs:SendMessage"]) # SendMessage: redrive puts messages back; rate-limit waits re-send them delayed
    resources = [module.sqs.queue_arns["crm-sync"]]
  }

  statement {
    sid = "RedriveCrmSyncDeadLetters"
    actions = concat(local.sqs_consume, [
      "sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:CancelMessageMoveTask",
    ])
    resources = [module.sqs.dead_letter_queue_arns["crm-sync-dlq"]]
  }

  statement {
    sid       = "CrmCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.secrets_arn]
  }

  statement {
    sid       = "UseDataKeyThroughDynamoDBAndSqs"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_via_dynamodb_and_sqs
    }
  }
}

# tenant-config: owns the tenants table, publishes form configs and branding under tenants/,
# manages CRM credentials (write-only) and the tenant's users, publishes config changes.
data "aws_iam_policy_document" "tenant_config" {
  statement {
    sid       = "OwnTenants"
    actions   = concat(local.dynamodb_read, local.dynamodb_write)
    resources = [module.dynamodb.arns["tenants"], module.dynamodb.index_arns["tenants"]]
  }

  statement {
    sid       = "PublishAssets"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = [local.assets_objects]
  }

  statement {
    sid       = "AssetsBucketReadiness"
    actions   = ["s3:ListBucket"] # HeadBucket, the readiness probe
    resources = [module.tenant_assets.bucket_arn]
  }

  statement {
    sid       = "EncryptAssets"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [module.tenant_assets.kms_key_arn]
  }

  statement {
    sid = "ManageCrmCredentials"
    actions = [
      "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret",
      "secretsmanager:TagResource",
    ]
    resources = [local.secrets_arn]
  }

  statement {
    sid = "ManageTenantUsers"
    actions = [
      "cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser", "cognito-idp:AdminDeleteUser",
      "cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser", "cognito-idp:AdminAddUserToGroup",
      "cognito-idp:AdminRemoveUserFromGroup", "cognito-idp:AdminListGroupsForUser",
    ]
    resources = [module.cognito.user_pool_arn]
  }

  # Only its own events: the rules route by source and detail type, so a role that could send
  # another service's would feed forged configuration changes to its consumers.
  statement {
    sid       = "PublishConfigChanges"
    actions   = ["events:PutEvents"]
    resources = [module.eventbridge.bus_arn]

    condition {
      test     = "StringEquals"
      variable = "events:source"
      values   = ["leadflow.tenant-config"]
    }

    condition {
      test     = "StringEquals"
      variable = "events:detail-type"
      values   = ["tenant.config.updated"]
    }
  }

  statement {
    sid       = "BusReadiness"
    actions   = ["events:DescribeEventBus"]
    resources = [module.eventbridge.bus_arn]
  }

  statement {
    sid       = "UseDataKeyThroughDynamoDB"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = local.kms_via_dynamodb
    }
  }
}
