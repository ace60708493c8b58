package media

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/bulkd/bulkd/internal/certs"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config is where an S3-compatible bucket is and how to reach it.
type S3Config struct {
	// Endpoint is host[:port], without a scheme.
	Endpoint string
	Bucket   string
	Region   string
	// Prefix goes before every blob's key ("" or ending in "/").
	Prefix               string
	AccessKey, SecretKey string
	// Insecure is plain HTTP (a test server on loopback); else HTTPS,
	// verified against RootCAs (nil: the system's).
	Insecure bool
	RootCAs  *x509.CertPool
}

// s3PartSize is the part size of a multipart upload: a recording larger
// than this is sent in parts read from the file as they go, never held
// whole in memory.
const s3PartSize = 16 << 20

// OpenS3 returns the store in a bucket, which must exist.
func OpenS3(ctx context.Context, c S3Config, opts ...Option) (*Store, error) {
	cl, err := minio.New(c.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:    !c.Insecure,
		Region:    c.Region,
		Transport: certs.Transport(c.RootCAs),
	})
	if err != nil {
		return nil, fmt.Errorf("media store: S3 %s: %w", c.Endpoint, err)
	}
	ok, err := cl.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("media store: S3 %s: bucket %s: %w", c.Endpoint, c.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("media store: S3 %s: no bucket %s: create it first", c.Endpoint, c.Bucket)
	}
	return newStore(&bucket{cl: cl, name: c.Bucket, prefix: c.Prefix}, opts), nil
}

// bucket is the media store in an S3-compatible bucket. A blob is durable
// once its upload is answered, so sync has nothing to do.
type bucket struct {
	cl     *minio.Client
	name   string
	prefix string
}

func (b *bucket) key(sha string) string { return b.prefix + blobKey(sha) }

func (b *bucket) put(ctx context.Context, _, sha string, file *os.File, fi os.FileInfo, _ []byte) (bool, error) {
	if err := b.stat(ctx, sha); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	// From the file's start, as hashed; its size and time are checked
	// after, so that what was uploaded is what was hashed.
	_, err := b.cl.PutObject(ctx, b.name, b.key(sha), io.NewSectionReader(file, 0, fi.Size()), fi.Size(),
		minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: s3PartSize})
	if err != nil {
		return false, fmt.Errorf("upload to bucket %s: %w", b.name, err)
	}
	if now, err := file.Stat(); err != nil || now.Size() != fi.Size() || !now.ModTime().Equal(fi.ModTime()) {
		_ = b.remove(ctx, sha)
		return false, errors.New("it changed while being stored")
	}
	return true, nil
}

func (b *bucket) sync() error { return nil }

func (b *bucket) stat(ctx context.Context, sha string) error {
	_, err := b.cl.StatObject(ctx, b.name, b.key(sha), minio.StatObjectOptions{})
	return notExist(err)
}

// notExist maps S3's "no such key" to fs.ErrNotExist.
func notExist(err error) error {
	if err == nil {
		return nil
	}
	if r := minio.ToErrorResponse(err); r.Code == minio.NoSuchKey || r.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w (%s)", fs.ErrNotExist, r.Message)
	}
	return err
}

// object is a blob read from the bucket: a seek makes the next read a
// ranged GET.
type object struct {
	*minio.Object
	info minio.ObjectInfo
}

func (o object) Size() int64        { return o.info.Size }
func (o object) ModTime() time.Time { return o.info.LastModified }

func (b *bucket) open(ctx context.Context, sha string) (Reader, error) {
	o, err := b.cl.GetObject(ctx, b.name, b.key(sha), minio.GetObjectOptions{})
	if err != nil {
		return nil, notExist(err)
	}
	info, err := o.Stat()
	if err != nil {
		o.Close()
		return nil, notExist(err)
	}
	return object{o, info}, nil
}

func (b *bucket) list(ctx context.Context, fn func(sha string, stored time.Time) error) error {
	for o := range b.cl.ListObjects(ctx, b.name, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true}) {
		if o.Err != nil {
			return o.Err
		}
		// A blob's key is the prefix, then blobKey: anything else (the
		// owner marker, another program's object) is no blob.
		if sha := path.Base(o.Key); isDigest(sha) && o.Key == b.key(sha) {
			if err := fn(sha, o.LastModified); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *bucket) remove(ctx context.Context, sha string) error {
	return b.cl.RemoveObject(ctx, b.name, b.key(sha), minio.RemoveObjectOptions{})
}

// ownerKey is the bucket's owner marker under the prefix (see
// Store.Sweep); list skips it, as it is no blob.
const ownerKey = "bulkd-owner"

func (b *bucket) owner(ctx context.Context) (string, error) {
	o, err := b.cl.GetObject(ctx, b.name, b.prefix+ownerKey, minio.GetObjectOptions{})
	if err != nil {
		return "", err
	}
	defer o.Close()
	v, err := io.ReadAll(io.LimitReader(o, 256))
	if errors.Is(notExist(err), fs.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(v)), err
}

func (b *bucket) setOwner(ctx context.Context, id string) error {
	_, err := b.cl.PutObject(ctx, b.name, b.prefix+ownerKey, strings.NewReader(id+"\n"), int64(len(id)+1),
		minio.PutObjectOptions{ContentType: "text/plain"})
	return err
}
