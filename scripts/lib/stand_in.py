"""Stand-ins on moto_server for what a deployed stack has (the rehearsals).

site(endpoint, stack) -> (bucket, distribution): the site's bucket and a
CloudFront distribution reading it, created on moto_server at `endpoint`,
named as the stack's SiteBucketName and SiteDistributionId outputs would be
used: make site-publish uploads into the bucket, make site-publish and make
resume-publish invalidate on the distribution.
"""

import boto3


def site(endpoint: str, stack: str) -> tuple[str, dict]:
    """The bucket's name and the distribution (CreateDistribution's `Distribution`)."""
    bucket = f"{stack}-sitebucket"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    origin = {"Id": "site", "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
              "S3OriginConfig": {"OriginAccessIdentity": ""}}
    dist = boto3.client("cloudfront", endpoint_url=endpoint).create_distribution(DistributionConfig={
        "CallerReference": stack, "Comment": "rehearsal", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https"},
    })["Distribution"]
    return bucket, dist
