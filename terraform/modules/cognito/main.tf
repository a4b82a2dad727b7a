# The user pool: e-mail sign-in, users created only by tenant admins (tenant-config), an
# immutable custom:tenant_id the app client can read but never write, role groups, MFA by app,
# and optionally the Plus plan's threat protection.

data "aws_region" "current" {}

resource "aws_cognito_user_pool" "this" {
  name                     = var.name
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OPTIONAL"
  user_pool_tier           = var.threat_protection ? "PLUS" : "ESSENTIALS"

  username_configuration {
    case_sensitive = false
  }

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 7
  }

  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  dynamic "email_configuration" {
    for_each = var.email_sender == null ? [] : [var.email_sender]

    content {
      email_sending_account  = "DEVELOPER"
      source_arn             = email_configuration.value.source_arn
      from_email_address     = email_configuration.value.from_address
      reply_to_email_address = email_configuration.value.reply_to
    }
  }

  dynamic "user_pool_add_ons" {
    for_each = var.threat_protection ? ["ENFORCED"] : []

    content {
      advanced_security_mode = user_pool_add_ons.value
    }
  }

  dynamic "schema" {
    for_each = var.custom_attributes

    content {
      name                     = schema.value.name
      attribute_data_type      = schema.value.type
      required                 = false
      mutable                  = false
      developer_only_attribute = false

      string_attribute_constraints {
        min_length = 1
        max_length = schema.value.maxLength
      }
    }
  }
}

resource "aws_cognito_user_group" "this" {
  for_each = { for index, group in var.groups : group => index }

  name         = each.key
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "Leadflow role ${each.key}"
  precedence   = each.value
}

resource "aws_cognito_user_pool_client" "this" {
  name         = var.app_client_name
  user_pool_id = aws_cognito_user_pool.this.id

  # A browser app cannot keep a secret.
  generate_secret                      = false
  explicit_auth_flows                  = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
  auth_session_validity                = 3
  supported_identity_providers         = ["COGNITO"]
  allowed_oauth_flows_user_pool_client = length(var.oauth.callback_urls) > 0
  allowed_oauth_flows                  = length(var.oauth.callback_urls) > 0 ? ["code"] : []
  allowed_oauth_scopes                 = length(var.oauth.callback_urls) > 0 ? ["openid", "email", "profile"] : []
  callback_urls                        = var.oauth.callback_urls
  logout_urls                          = var.oauth.logout_urls

  id_token_validity      = var.token_validity.id_token_minutes
  access_token_validity  = var.token_validity.access_token_minutes
  refresh_token_validity = var.token_validity.refresh_token_days

  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }

  # The tenant claim is readable, never writable by the user: a token's tenant is the admin's choice.
  # Nor is the e-mail, the sign-in name the admin invited: a user who could set it unverified
  # could take any address nobody has signed up with yet, and block its invite for good.
  read_attributes  = concat(["email", "email_verified", "name"], [for a in var.custom_attributes : "custom:${a.name}"])
  write_attributes = ["name"]
}

resource "aws_cognito_user_pool_domain" "this" {
  count = length(var.oauth.callback_urls) > 0 ? 1 : 0

  domain       = var.oauth.domain_prefix
  user_pool_id = aws_cognito_user_pool.this.id
}
