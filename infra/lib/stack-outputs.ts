/** Stack names: the contract the harness and the scenarios find the stacks by. */
export const STACK_NAMES = { backend: "ThreadcastBackend", frontend: "ThreadcastFrontend" } as const;

/**
 * The outputs each stack declares: the contract the harness, the scenarios and a real deploy's operators
 * read. A stack declares an output only through `declareOutput` (declare-output.ts), and readers name it
 * through these constants, so no output name is spelled anywhere else. Plain data: the harness imports it
 * without loading the CDK.
 */
export const BACKEND_OUTPUTS = {
  phase: "Phase",
  vpcId: "VpcId",
  apiSecurityGroupId: "ApiSecurityGroupId",
  databaseSecurityGroupId: "DatabaseSecurityGroupId",
  databaseEndpoint: "DatabaseEndpoint",
  databaseName: "DatabaseName",
  databaseUser: "DatabaseUser",
  databaseSecretArn: "DatabaseSecretArn",
  jwtSecretArn: "JwtSecretArn",
  apiLogGroupName: "ApiLogGroupName",
  apiDomainName: "ApiDomainName",
  alarmTopicArn: "AlarmTopicArn",
  /** Phase 1 only: the API instance and its Elastic IP. */
  apiInstanceId: "ApiInstanceId",
  apiPublicIp: "ApiPublicIp",
  /** Phases 2 and 3: the load balancer in front of the API. */
  apiLoadBalancerDnsName: "ApiLoadBalancerDnsName",
  /** The load balancer's security group: the source the API's group admits 8080 from. */
  apiLoadBalancerSecurityGroupId: "ApiLoadBalancerSecurityGroupId",
  /** Phases 2 and 3: the message broker the instances relay STOMP through, its user and its group. */
  brokerStompEndpoint: "BrokerStompEndpoint",
  brokerSecretArn: "BrokerSecretArn",
  brokerSecurityGroupId: "BrokerSecurityGroupId",
} as const;

export const FRONTEND_OUTPUTS = {
  webBucketName: "WebBucketName",
  distributionId: "DistributionId",
  distributionDomainName: "DistributionDomainName",
  certificateArn: "CertificateArn",
  /** The site's names, comma-separated: the apex first, then www. */
  siteDomainNames: "SiteDomainNames",
} as const;

export type BackendOutput = (typeof BACKEND_OUTPUTS)[keyof typeof BACKEND_OUTPUTS];
export type FrontendOutput = (typeof FRONTEND_OUTPUTS)[keyof typeof FRONTEND_OUTPUTS];
export type StackOutput = BackendOutput | FrontendOutput;

/** A deployed stack's outputs by name, as `cdk deploy --outputs-file` writes them. */
export type DeployedOutputs<Name extends StackOutput> = Partial<Readonly<Record<Name, string>>>;
