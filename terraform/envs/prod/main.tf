# Production: a NAT gateway per zone, three zones, two tasks per service at least, Cognito
# threat protection enforced.

module "leadflow" {
  source = "../../modules/leadflow"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  environment         = "prod"
  domain_name         = var.domain_name
  route53_zone_id     = var.route53_zone_id
  image_tag           = var.image_tag
  alarm_emails        = var.alarm_emails
  frontend_origins    = var.frontend_origins
  deletion_protection = var.deletion_protection
  log_level           = "info"

  network = {
    cidr_block         = "10.50.0.0/16"
    az_count           = 3
    single_nat_gateway = false
  }

  service_capacity = {
    ingestion     = { cpu = 512, memory = 1024, min_tasks = 2, max_tasks = 10 }
    leads         = { cpu = 512, memory = 1024, min_tasks = 2, max_tasks = 10 }
    crm-sync      = { cpu = 512, memory = 1024, min_tasks = 2, max_tasks = 8 }
    tenant-config = { cpu = 256, memory = 512, min_tasks = 2, max_tasks = 4 }
  }

  rate_limits = {
    per_ip        = 10000
    ingest_per_ip = 300
  }

  cognito = {
    threat_protection = true
    domain_prefix     = "leadflow-prod-${var.aws_account_id}"
    callback_urls     = var.cognito_callback_urls
    logout_urls       = var.cognito_logout_urls
  }
}
