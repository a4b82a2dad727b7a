output "user_pool_id" {
  description = "ID of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool (resource of the tenant-config service's cognito-idp permissions)."
  value       = aws_cognito_user_pool.this.arn
}

output "app_client_id" {
  description = "ID of the frontend app client: the audience (aud) of ID tokens."
  value       = aws_cognito_user_pool_client.this.id
}

output "issuer" {
  description = "Token issuer (iss): https://cognito-idp.<region>.amazonaws.com/<user pool id>."
  value       = "https://cognito-idp.${data.aws_region.current.name}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}

output "group_names" {
  description = "Names of the role groups."
  value       = [for g in aws_cognito_user_group.this : g.name]
}

output "hosted_ui_domain" {
  description = "Hosted sign-in domain (<prefix>.auth.<region>.amazoncognito.com), or null without OAuth callback URLs."
  value       = length(aws_cognito_user_pool_domain.this) > 0 ? "${aws_cognito_user_pool_domain.this[0].domain}.auth.${data.aws_region.current.name}.amazoncognito.com" : null
}
