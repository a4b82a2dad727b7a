output "api_url" {
  description = "Base URL of the leads, crm-sync and tenant-config APIs (and of /v1/ingest/)."
  value       = "https://${local.hosts.api}"
}

output "ingestion_url" {
  description = "Base URL landing pages and ad platforms send leads to (https://in.<domain>/v1/ingest/...)."
  value       = "https://${local.hosts.ingest}"
}

output "assets_url" {
  description = "Base URL of published form configs and branding (ASSETS_PUBLIC_URL)."
  value       = module.tenant_assets.public_url
}

output "assets_distribution_id" {
  description = "CloudFront distribution of the assets (for invalidations)."
  value       = module.tenant_assets.distribution_id
}

output "region" {
  description = "AWS region of the environment."
  value       = local.region
}

output "cognito_user_pool_id" {
  description = "Cognito user pool id."
  value       = module.cognito.user_pool_id
}

output "cognito_app_client_id" {
  description = "Cognito app client id of the frontend (ID token audience)."
  value       = module.cognito.app_client_id
}

output "cognito_issuer" {
  description = "Issuer of the tokens the APIs accept."
  value       = module.cognito.issuer
}

output "cognito_hosted_ui_domain" {
  description = "Hosted sign-in domain, or null when OAuth callback URLs are not configured."
  value       = module.cognito.hosted_ui_domain
}

output "ecr_repository_urls" {
  description = "Where to push each service's image, keyed by repository name (leadflow/<service>)."
  value       = module.ecr.repository_urls
}

output "ecs_cluster_name" {
  description = "ECS cluster of the services."
  value       = module.ecs_cluster.name
}

output "ecs_service_names" {
  description = "ECS service name per service."
  value       = { for name, service in module.service : name => service.service_name }
}

output "event_bus_name" {
  description = "EventBridge bus of the environment."
  value       = module.eventbridge.bus_name
}

output "event_archive_name" {
  description = "EventBridge archive to replay events from."
  value       = module.eventbridge.archive_name
}

output "queue_urls" {
  description = "Queue and dead-letter queue URLs by logical name (for redrive)."
  value       = merge(module.sqs.queue_urls, module.sqs.dead_letter_queue_urls)
}

output "table_names" {
  description = "DynamoDB table names by logical name."
  value       = module.dynamodb.names
}

output "assets_bucket" {
  description = "S3 bucket of the tenant assets."
  value       = module.tenant_assets.bucket_name
}

output "secrets_prefix" {
  description = "Secrets Manager name prefix of the CRM credentials."
  value       = local.secrets_prefix
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms (subscribe pagers or chat here)."
  value       = module.observability.topic_arn
}

output "nat_public_ips" {
  description = "Public IPs of outbound traffic (tenants may allow-list them on their CRM)."
  value       = module.network.nat_public_ips
}

output "service_environment" {
  description = "Environment variables each service's task definition sets (non-secret)."
  value       = local.service_environment
}
