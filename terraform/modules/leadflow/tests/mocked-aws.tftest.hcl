# Plans and "applies" the whole environment against a mocked AWS provider: every type, expression,
# for_each key, variable validation, precondition and provider-side argument check is exercised
# without an AWS account. Needs Terraform >= 1.7 and the hashicorp/aws provider installed:
#   terraform -chdir=terraform/modules/leadflow init -backend=false
#   terraform -chdir=terraform/modules/leadflow test
# make tf-check does not run this (CI has no Terraform); run it by hand after changing modules.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/ci", user_id = "AIDAEXAMPLE" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1", id = "eu-west-1" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555", key_id = "11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/mock/11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_acm_certificate" {
    defaults = {
      arn = "arn:aws:acm:eu-west-1:123456789012:certificate/mock"
      domain_validation_options = [
        { domain_name = "api.dev.leadflow.example.com", resource_record_name = "_a.api.dev.leadflow.example.com.", resource_record_type = "CNAME", resource_record_value = "_a.acm-validations.aws." },
        { domain_name = "in.dev.leadflow.example.com", resource_record_name = "_a.in.dev.leadflow.example.com.", resource_record_type = "CNAME", resource_record_value = "_b.acm-validations.aws." },
      ]
    }
  }
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/leadflow-dev/50dc6c495c0c9188", arn_suffix = "app/leadflow-dev/50dc6c495c0c9188", dns_name = "leadflow-dev-1.eu-west-1.elb.amazonaws.com", zone_id = "Z32O12XQLNTSW2" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mock/73e2d6bc24d8a067", arn_suffix = "targetgroup/mock/73e2d6bc24d8a067" }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/leadflow-dev/50dc6c495c0c9188/f2f7dc8efc522ab2" }
  }
  mock_resource "aws_cognito_user_pool" {
    defaults = { id = "eu-west-1_AbCdEf123", arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123", endpoint = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123" }
  }
  mock_resource "aws_cloudwatch_event_bus" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:event-bus/leadflow-dev" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/leadflow-dev/mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:leadflow-dev-mock", id = "https://sqs.eu-west-1.amazonaws.com/123456789012/leadflow-dev-mock", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/leadflow-dev-mock" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/leadflow-dev-mock" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::leadflow-dev-mock", bucket_domain_name = "leadflow-dev-mock.s3.amazonaws.com", bucket_regional_domain_name = "leadflow-dev-mock.s3.eu-west-1.amazonaws.com" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/leadflow-dev" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mock:1" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/leadflow/mock", repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/leadflow/mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:leadflow-dev-alarms" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL", id = "E2QWRUHAPOMQZL", domain_name = "d111111abcdef8.cloudfront.net", hosted_zone_id = "Z2FDTNDATAQYW2" }
  }
}

mock_provider "aws" {
  alias = "us_east_1"

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/ci", user_id = "AIDAEXAMPLE" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1", id = "us-east-1" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555", key_id = "11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mock/11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_acm_certificate" {
    defaults = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/mock"
      domain_validation_options = [
        { domain_name = "assets.dev.leadflow.example.com", resource_record_name = "_a.assets.dev.leadflow.example.com.", resource_record_type = "CNAME", resource_record_value = "_c.acm-validations.aws." },
      ]
    }
  }
}

variables {
  environment     = "dev"
  domain_name     = "dev.leadflow.example.com"
  route53_zone_id = "Z0123456789ABCDEFGHIJ"
  image_tag       = "3f2c1a7"
  alarm_emails    = ["oncall@example.com"]
  cognito = {
    domain_prefix = "leadflow-dev-123456789012"
    callback_urls = ["https://app.dev.leadflow.example.com/auth/callback"]
  }
}

run "plan" {
  command = plan

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  assert {
    condition     = output.api_url == "https://api.dev.leadflow.example.com" && output.ingestion_url == "https://in.dev.leadflow.example.com"
    error_message = "The APIs are served at api.<domain> and in.<domain>."
  }

  assert {
    condition     = toset(keys(output.table_names)) == toset(["leads", "tenants", "runtime"])
    error_message = "Every table of the manifest is created."
  }
}

run "apply_with_mocked_aws" {
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  assert {
    condition     = output.table_names["leads"] == "leadflow-dev-leads" && output.event_bus_name == "leadflow-dev"
    error_message = "Resources are named leadflow-<env>-<logical name>, the bus leadflow-<env>."
  }

  assert {
    condition     = keys(output.service_environment) == ["crm-sync", "ingestion", "leads", "tenant-config"]
    error_message = "Every service gets a task definition environment."
  }

  assert {
    condition     = output.service_environment["leads"]["AUTH_ISSUER"] == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    error_message = "The APIs trust the user pool's issuer."
  }

  assert {
    condition     = output.secrets_prefix == "leadflow/dev/"
    error_message = "CRM credentials live under leadflow/<env>/."
  }
}
