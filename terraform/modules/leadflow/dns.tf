# Certificates (validated through DNS) and the public names: api.<domain> and in.<domain> on the
# load balancer, assets.<domain> on CloudFront (whose certificate must live in us-east-1).

resource "aws_acm_certificate" "api" {
  domain_name               = local.hosts.api
  subject_alternative_names = [local.hosts.ingest]
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_acm_certificate" "assets" {
  provider = aws.us_east_1

  domain_name       = local.hosts.assets
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  certificate_validation_options = {
    for option in concat(
      tolist(aws_acm_certificate.api.domain_validation_options),
      tolist(aws_acm_certificate.assets.domain_validation_options),
    ) : option.domain_name => option
  }
}

# Keyed by the host names (known when planning), not by the certificates' validation options.
resource "aws_route53_record" "certificate_validation" {
  for_each = toset(values(local.hosts))

  zone_id         = var.route53_zone_id
  name            = local.certificate_validation_options[each.key].resource_record_name
  type            = local.certificate_validation_options[each.key].resource_record_type
  records         = [local.certificate_validation_options[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "api" {
  certificate_arn         = aws_acm_certificate.api.arn
  validation_record_fqdns = [for host in [local.hosts.api, local.hosts.ingest] : aws_route53_record.certificate_validation[host].fqdn]
}

resource "aws_acm_certificate_validation" "assets" {
  provider = aws.us_east_1

  certificate_arn         = aws_acm_certificate.assets.arn
  validation_record_fqdns = [aws_route53_record.certificate_validation[local.hosts.assets].fqdn]
}

resource "aws_route53_record" "alb" {
  for_each = toset([local.hosts.api, local.hosts.ingest])

  zone_id = var.route53_zone_id
  name    = each.key
  type    = "A"

  alias {
    name                   = module.alb.dns_name
    zone_id                = module.alb.zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "assets" {
  for_each = toset(["A", "AAAA"])

  zone_id = var.route53_zone_id
  name    = local.hosts.assets
  type    = each.key

  alias {
    name                   = module.tenant_assets.distribution_domain_name
    zone_id                = module.tenant_assets.distribution_hosted_zone_id
    evaluate_target_health = false
  }
}
