// Command ossbench-go uploads or downloads one file with the official Go SDK v2's Uploader or
// Downloader, for bench/transfer.py. Credentials come from OSS_ACCESS_KEY_ID and
// OSS_ACCESS_KEY_SECRET; the endpoint is an IP, so the SDK uses path-style addressing by itself.
//
//	ossbench-go upload|download -endpoint URL -region R -bucket B -key K -file F -part-size N -parallel N
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "upload" && os.Args[1] != "download") {
		fmt.Fprintln(os.Stderr, "usage: ossbench-go upload|download [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "OSS endpoint URL, e.g. http://127.0.0.1:9000")
	region := fs.String("region", "cn-hangzhou", "region")
	bucket := fs.String("bucket", "", "bucket")
	key := fs.String("key", "", "object key")
	file := fs.String("file", "", "local file")
	partSize := fs.Int64("part-size", 8<<20, "part size in bytes")
	parallel := fs.Int("parallel", 4, "parts in flight")
	_ = fs.Parse(os.Args[2:])

	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			os.Getenv("OSS_ACCESS_KEY_ID"), os.Getenv("OSS_ACCESS_KEY_SECRET"))).
		WithRegion(*region).
		WithEndpoint(*endpoint)
	client := oss.NewClient(cfg)
	ctx := context.Background()

	switch mode {
	case "upload":
		u := client.NewUploader(func(o *oss.UploaderOptions) {
			o.PartSize = *partSize
			o.ParallelNum = *parallel
		})
		r, err := u.UploadFile(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(*bucket), Key: oss.Ptr(*key)}, *file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "upload failed:", err)
			os.Exit(1)
		}
		fmt.Printf("uploaded etag %s crc64ecma %s\n", oss.ToString(r.ETag), oss.ToString(r.HashCRC64))
	case "download":
		d := client.NewDownloader(func(o *oss.DownloaderOptions) {
			o.PartSize = *partSize
			o.ParallelNum = *parallel
		})
		r, err := d.DownloadFile(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(*bucket), Key: oss.Ptr(*key)}, *file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "download failed:", err)
			os.Exit(1)
		}
		fmt.Printf("downloaded %d bytes\n", r.Written)
	}
}
