# The public entry point, behind a WAF: HTTPS only (HTTP answers a permanent redirect), one
# target group per service, path rules per service, host rules for hosts dedicated to one
# service (ingestion), access logs.

locals {
  # Host rules come first (priorities 1-9) so that a dedicated host reaches only its service.
  host_rules = {
    for index, name in sort([for k, s in var.services : k if length(s.host_headers) > 0]) :
    name => { priority = index + 1, hosts = var.services[name].host_headers }
  }

  # An ALB rule takes at most five condition values: long path lists become several rules.
  path_rules = merge([
    for name, service in var.services : {
      for index, paths in chunklist(service.path_patterns, 5) :
      "${name}-${index}" => { service = name, priority = service.priority + index, paths = paths }
    }
  ]...)
}

resource "aws_security_group" "this" {
  name        = "${var.name}-alb"
  description = "Public HTTPS (and HTTP for the redirect) to the load balancer"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers a 301 redirect to HTTPS; no request reaches a service over HTTP.
  security_group_id = aws_security_group.this.id
  description       = "HTTP from anywhere, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.this.id
  description       = "To the service tasks inside the VPC"
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_76:The associated web ACL (module waf) has AWSManagedRulesKnownBadInputsRuleSet, the Log4j rules; checkov cannot follow it across modules, and AnonymousIpList is left out on purpose: it blocks ad-platform webhooks from hosting providers and VPN visitors submitting forms.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.subnet_ids
  security_groups            = [aws_security_group.this.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.idle_timeout_seconds
  desync_mitigation_mode     = "defensive"

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = "alb"
    enabled = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; tasks in private subnets speak HTTP inside the VPC.
  for_each = var.services

  name                 = "${var.name}-${each.key}"
  port                 = var.target_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 20

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    precondition {
      condition     = length("${var.name}-${each.key}") <= 32
      error_message = "Target group name ${var.name}-${each.key} is longer than 32 characters."
    }
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = jsonencode({ type = "about:blank", title = "Not Found", status = 404 })
    }
  }
}

resource "aws_lb_listener_rule" "host" {
  for_each = local.host_rules

  listener_arn = aws_lb_listener.https.arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    host_header {
      values = each.value.hosts
    }
  }
}

resource "aws_lb_listener_rule" "path" {
  for_each = local.path_rules

  listener_arn = aws_lb_listener.https.arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.value.service].arn
  }

  condition {
    path_pattern {
      values = each.value.paths
    }
  }
}
