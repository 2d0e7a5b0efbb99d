package cloudsim

// ec2ComputeOps answers ... (to be written).
var ec2ComputeOps = map[string]awsHandler{}
