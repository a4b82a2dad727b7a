# Development: one NAT gateway, small and few tasks, basic Cognito. Everything else — encryption,
# WAF, logging, deletion protection — is the same as production, so dev finds what prod would.

module "leadflow" {
  source = "../../modules/leadflow"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  environment         = "dev"
  domain_name         = var.domain_name
  route53_zone_id     = var.route53_zone_id
  image_tag           = var.image_tag
  alarm_emails        = var.alarm_emails
  frontend_origins    = var.frontend_origins
  deletion_protection = var.deletion_protection
  log_level           = "debug"

  network = {
    cidr_block         = "10.40.0.0/16"
    az_count           = 2
    single_nat_gateway = true
  }

  service_capacity = {
    ingestion     = { min_tasks = 1, max_tasks = 2 }
    leads         = { min_tasks = 1, max_tasks = 2 }
    crm-sync      = { min_tasks = 1, max_tasks = 2 }
    tenant-config = { min_tasks = 1, max_tasks = 2 }
  }

  rate_limits = {
    per_ip        = 10000
    ingest_per_ip = 300
  }

  cognito = {
    threat_protection = false
    domain_prefix     = "leadflow-dev-${var.aws_account_id}"
    callback_urls     = var.cognito_callback_urls
    logout_urls       = var.cognito_logout_urls
  }
}
