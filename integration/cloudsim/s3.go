package cloudsim

import "net/http"

// s3Ops answers S3 (to be written).
var s3Ops = map[string]awsHandler{}

// s3Operation names the S3 operation a REST request is and the bucket it
// addresses (to be written).
func s3Operation(r *http.Request) (op, bucket string) { return "", "" }
