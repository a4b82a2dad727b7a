# The queues and dead-letter queues of the resource manifest: KMS encryption, long polling,
# redrive after maxReceiveCount, DLQs that accept only their own source queues, and queue
# policies that let only the named EventBridge rules send (and refuse plain HTTP).

data "aws_iam_policy_document" "this" {
  for_each = merge(
    { for k, q in aws_sqs_queue.this : k => q.arn },
    { for k, q in aws_sqs_queue.dead_letter : k => q.arn },
  )

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = length(lookup(var.sender_rule_arns, each.key, [])) > 0 ? [lookup(var.sender_rule_arns, each.key, [])] : []

    content {
      sid       = "AllowEventBridgeRules"
      actions   = ["sqs:SendMessage"]
      resources = [each.value]

      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = statement.value
      }
    }
  }
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = var.dead_letter_queues

  name                              = "${var.name_prefix}-${each.key}"
  message_retention_seconds         = each.value.messageRetentionSeconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "this" {
  for_each = var.queues

  name                              = "${var.name_prefix}-${each.key}"
  visibility_timeout_seconds        = each.value.visibilityTimeoutSeconds
  message_retention_seconds         = each.value.messageRetentionSeconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.value.deadLetterQueue].arn
    maxReceiveCount     = each.value.maxReceiveCount
  })

  lifecycle {
    precondition {
      condition     = contains(keys(var.dead_letter_queues), each.value.deadLetterQueue)
      error_message = "Queue ${each.key} names dead-letter queue ${each.value.deadLetterQueue}, which dead_letter_queues does not declare."
    }
  }
}

# A dead-letter queue takes messages only from the queues that name it.
resource "aws_sqs_queue_redrive_allow_policy" "this" {
  for_each = var.dead_letter_queues

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [for k, q in var.queues : aws_sqs_queue.this[k].arn if q.deadLetterQueue == each.key]
  })
}

resource "aws_sqs_queue_policy" "this" {
  for_each = merge(
    { for k, q in aws_sqs_queue.this : k => q.id },
    { for k, q in aws_sqs_queue.dead_letter : k => q.id },
  )

  queue_url = each.value
  policy    = data.aws_iam_policy_document.this[each.key].json
}
