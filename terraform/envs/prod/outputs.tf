output "api_url" {
  description = "Base URL of the APIs (frontend team)."
  value       = module.leadflow.api_url
}

output "ingestion_url" {
  description = "Base URL of lead ingestion for landing pages and ad platforms."
  value       = module.leadflow.ingestion_url
}

output "assets_url" {
  description = "Base URL of published form configs and branding."
  value       = module.leadflow.assets_url
}

output "region" {
  description = "AWS region."
  value       = module.leadflow.region
}

output "cognito_user_pool_id" {
  description = "Cognito user pool id (frontend sign-in)."
  value       = module.leadflow.cognito_user_pool_id
}

output "cognito_app_client_id" {
  description = "Cognito app client id (frontend sign-in; the ID token audience)."
  value       = module.leadflow.cognito_app_client_id
}

output "cognito_issuer" {
  description = "Token issuer the APIs trust."
  value       = module.leadflow.cognito_issuer
}

output "cognito_hosted_ui_domain" {
  description = "Hosted sign-in domain, if configured."
  value       = module.leadflow.cognito_hosted_ui_domain
}

output "ecr_repository_urls" {
  description = "Where CI pushes each service's image."
  value       = module.leadflow.ecr_repository_urls
}

output "ecs_cluster_name" {
  description = "ECS cluster (ops)."
  value       = module.leadflow.ecs_cluster_name
}

output "ecs_service_names" {
  description = "ECS services (ops)."
  value       = module.leadflow.ecs_service_names
}

output "event_bus_name" {
  description = "EventBridge bus (ops)."
  value       = module.leadflow.event_bus_name
}

output "event_archive_name" {
  description = "EventBridge archive for replays (ops)."
  value       = module.leadflow.event_archive_name
}

output "queue_urls" {
  description = "Queues and dead-letter queues (ops: redrive)."
  value       = module.leadflow.queue_urls
}

output "table_names" {
  description = "DynamoDB tables (ops)."
  value       = module.leadflow.table_names
}

output "assets_bucket" {
  description = "Tenant assets bucket (ops)."
  value       = module.leadflow.assets_bucket
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms (ops: subscribe pagers)."
  value       = module.leadflow.alarm_topic_arn
}

output "nat_public_ips" {
  description = "Outbound IPs tenants may allow-list on their CRM."
  value       = module.leadflow.nat_public_ips
}
