output "topic_arn" {
  description = "ARN of the SNS topic every alarm notifies."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of all alarms."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.dead_letters : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.oldest_message : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.target_5xx_rate : a.alarm_name],
    [aws_cloudwatch_metric_alarm.load_balancer_5xx.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.unhealthy_targets : a.alarm_name],
  )
}
