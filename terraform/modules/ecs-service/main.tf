# One Fargate service: task definition (environment + secrets from the caller, read-only root
# filesystem, container health check on /healthz, stop timeout above the drain budget), private
# networking, optional load-balancer registration, circuit-breaker deployments with rollback,
# and target-tracking autoscaling on CPU and, for queue workers, on queue depth.

locals {
  container_name = "app"

  health_check_script = "fetch('http://127.0.0.1:${var.container_port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

  # An empty secrets list is left out: ECS drops it, and Terraform would show a diff forever.
  container_secrets = {
    for key, list in { secrets = [for name in sort(keys(var.secrets)) : { name = name, valueFrom = var.secrets[name] }] } :
    key => list if length(list) > 0
  }

  container_definition = merge(local.container_secrets, {
    name                   = local.container_name
    image                  = var.image
    essential              = true
    readonlyRootFilesystem = true
    stopTimeout            = var.stop_timeout_seconds

    portMappings = [{ containerPort = var.container_port, protocol = "tcp" }]

    # Empty values are left out (the services read unset as empty): ECS drops them, and
    # Terraform would replace the task definition on every apply.
    environment = [for name in sort(keys(var.environment)) : { name = name, value = var.environment[name] } if var.environment[name] != ""]

    healthCheck = {
      command     = ["CMD", "node", "-e", local.health_check_script]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 20
    }

    # The root filesystem is read-only; /tmp is a small task-local scratch volume.
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]

    linuxParameters = { initProcessEnabled = true }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "app"
        mode                  = "non-blocking"
        max-buffer-size       = "4m"
      }
    }
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  task_role_arn            = var.task_role_arn
  execution_role_arn       = var.execution_role_arn
  container_definitions    = jsonencode([local.container_definition])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }
}

resource "aws_security_group" "this" {
  name        = var.name
  description = "Tasks of ${var.name}"
  vpc_id      = var.vpc_id

  tags = { Name = var.name }
}

resource "aws_vpc_security_group_ingress_rule" "from_load_balancer" {
  count = var.load_balancer == null ? 0 : 1

  security_group_id            = aws_security_group.this.id
  description                  = "HTTP from the load balancer only"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.load_balancer.security_group_id
}

# Outbound HTTPS only: AWS APIs (through the VPC endpoints or NAT) and the tenants' CRMs.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs and CRMs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.autoscaling.min_tasks
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true
  enable_execute_command             = false
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.load_balancer == null ? null : 30
  wait_for_steady_state              = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.load_balancer == null ? [] : [var.load_balancer]

    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = local.container_name
      container_port   = var.container_port
    }
  }

  lifecycle {
    # Autoscaling owns the task count once the service exists.
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.autoscaling.min_tasks
  max_capacity       = var.autoscaling.max_tasks
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "queue" {
  count = var.autoscaling.queue_name == null ? 0 : 1

  name               = "${var.name}-queue-depth"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.queue_messages_per_task
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    # The backlog per running task (AWS's "SQS queue backlog per task"): tracking the whole
    # backlog would keep adding tasks while it stays above the target, however many work on it.
    customized_metric_specification {
      metrics {
        id          = "visible"
        return_data = false

        metric_stat {
          stat = "Sum"

          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"

            dimensions {
              name  = "QueueName"
              value = var.autoscaling.queue_name
            }
          }
        }
      }

      metrics {
        id          = "tasks"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"

            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }

            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.this.name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = "Visible messages per running task"
        expression  = "visible / tasks"
        return_data = true
      }
    }
  }
}
