# The custom bus, an archive of every event on it (replay after a consumer bug), and the
# manifest's rules, each delivering to its SQS queue with retries and a dead-letter queue.

resource "aws_cloudwatch_event_bus" "this" {
  name = var.bus_name
}

resource "aws_cloudwatch_event_archive" "this" {
  name             = substr(var.bus_name, 0, 48)
  description      = "Every event on ${var.bus_name}, for replay"
  event_source_arn = aws_cloudwatch_event_bus.this.arn
  retention_days   = var.archive_retention_days
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.rules

  name           = "${var.bus_name}-${each.key}"
  description    = each.value.description
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = each.value.event_pattern
  state          = "ENABLED"

  lifecycle {
    precondition {
      condition     = contains(keys(var.target_queues), each.value.target)
      error_message = "Rule ${each.key} targets ${each.value.target}, which target_queues does not declare."
    }
  }
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = each.value.target
  arn            = var.target_queues[each.value.target].arn

  retry_policy {
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_seconds
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = var.target_queues[each.value.target].dead_letter_arn
  }
}
