# A web ACL: AWS managed rule groups (IP reputation, common, known bad inputs, SQL injection),
# a per-IP rate limit, tighter per-IP limits on chosen paths (both refuse with 429 and Retry-After,
# which clients retry, where WAF's bare 403 reads as final, and with the API's problem document and
# the CORS headers a browser needs to read it), and full logging (credentials redacted).

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  managed_rule_groups = [
    { name = "AWSManagedRulesAmazonIpReputationList", priority = 10 },
    { name = "AWSManagedRulesCommonRuleSet", priority = 20 },
    { name = "AWSManagedRulesKnownBadInputsRuleSet", priority = 30 },
    { name = "AWSManagedRulesSQLiRuleSet", priority = 40 },
  ]

  rate_limited_body_key = "rate-limited"

  # Any origin may read the refusal: it tells nothing but the wait, and the public form
  # endpoints answer every form's own origins.
  rate_limited_headers = {
    "Retry-After"                   = tostring(var.rate_limit_retry_after_seconds)
    "Access-Control-Allow-Origin"   = "*"
    "Access-Control-Expose-Headers" = "Retry-After"
  }

  # Every address's limit, then the tighter ones of chosen paths.
  rate_limits = concat(
    [{ name = "rate-limit-per-ip", priority = 50, path = null, limit = var.rate_limit_per_ip }],
    [
      for index, path in sort(keys(var.path_rate_limits)) :
      { name = "rate-limit-path-${index}", priority = 60 + index, path = path, limit = var.path_rate_limits[path] }
    ],
  )
}

resource "aws_wafv2_web_acl" "this" {
  name        = var.name
  description = "Leadflow ${lower(var.scope)} protection"
  scope       = var.scope

  default_action {
    allow {}
  }

  custom_response_body {
    key          = local.rate_limited_body_key
    content_type = "APPLICATION_JSON"
    content      = file("${path.module}/rate-limited.json")
  }

  dynamic "rule" {
    for_each = local.managed_rule_groups

    content {
      name     = rule.value.name
      priority = rule.value.priority

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          name        = rule.value.name
          vendor_name = "AWS"

          dynamic "rule_action_override" {
            for_each = rule.value.name == "AWSManagedRulesCommonRuleSet" ? var.common_rules_to_count : []

            content {
              name = rule_action_override.value

              action_to_use {
                count {}
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-${rule.value.name}"
        sampled_requests_enabled   = true
      }
    }
  }

  dynamic "rule" {
    for_each = local.rate_limits

    content {
      name     = rule.value.name
      priority = rule.value.priority

      action {
        block {
          custom_response {
            response_code            = 429
            custom_response_body_key = local.rate_limited_body_key

            dynamic "response_header" {
              for_each = local.rate_limited_headers

              content {
                name  = response_header.key
                value = response_header.value
              }
            }
          }
        }
      }

      statement {
        rate_based_statement {
          limit              = rule.value.limit
          aggregate_key_type = "IP"

          dynamic "scope_down_statement" {
            for_each = rule.value.path == null ? [] : [rule.value.path]

            content {
              byte_match_statement {
                search_string         = scope_down_statement.value
                positional_constraint = "STARTS_WITH"

                field_to_match {
                  uri_path {}
                }

                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-${rule.value.name}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }
}

# WAF only logs to a log group whose name starts with aws-waf-logs-.
resource "aws_cloudwatch_log_group" "this" {
  name              = "aws-waf-logs-${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "log_delivery" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "this" {
  policy_name     = "${var.name}-waf-log-delivery"
  policy_document = data.aws_iam_policy_document.log_delivery.json
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.this.arn]

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  redacted_fields {
    single_header {
      name = "x-api-key"
    }
  }

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.this]
}
