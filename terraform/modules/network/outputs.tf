output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets, one per zone: the load balancer and NAT gateways."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets, one per zone: the Fargate tasks and interface endpoints."
  value       = aws_subnet.private[*].id
}

output "availability_zones" {
  description = "Zones the subnets are in."
  value       = local.azs
}

output "nat_public_ips" {
  description = "Public IPs the tasks' outbound traffic (CRM calls) comes from; tenants may allow-list them."
  value       = aws_eip.nat[*].public_ip
}
