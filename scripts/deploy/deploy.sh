#!/usr/bin/env bash
# Deploys one stack in the only order that works on a fresh AWS account, and again on a re-run of the same
# commit. Both pipelines call this script (Jenkinsfile, .github/workflows/ci.yml), so they cannot drift apart:
#
#   1. `pulumi up` the registry stack (infra/registry, project bookstore-registry): the ECR repositories
#      bookstore-<stack>/<image>; the main program only looks images up, so they must exist and be pushed first.
#   2. Push each image tagged $IMAGE_TAG into its repository, skipping an image whose tag is already there:
#      the repositories' tags are immutable, so a second push of the same tag would fail the re-run.
#   3. `pulumi up` the main stack (infra/) with bookstore:imageTag=$IMAGE_TAG (the program requires it), then
#      infra/scripts/verify-rollout.mjs: ECS calls a rolled-back deployment steady too, and pulumi up succeeds.
#
# Usage:  IMAGE_TAG=<commit> scripts/deploy/deploy.sh <stack> [--images-from local|<stack>]
#   --images-from local    (default) the images built on this machine, bookstore/<image>:$IMAGE_TAG
#   --images-from dev      promote the very images already in dev's repositories (what prod does)
# The images are the keys of the registry stack's `repositoryUrls` output (image -> repository URL).
#
# Needs on PATH: node with the repository's node_modules installed (npm ci; Pulumi runs the TypeScript program
# on Node), pulumi, aws and docker (with a daemon). Credentials: AWS ones in the environment, and
# PULUMI_ACCESS_TOKEN (or a `pulumi login` to another backend).
set -euo pipefail

die() { echo "deploy: $*" >&2; exit 1; }
usage() { die "usage: IMAGE_TAG=<tag> $0 <stack> [--images-from local|<stack>]"; }

stack="${1:-}"
[ -n "$stack" ] && [ "${stack#-}" = "$stack" ] || usage
shift
images_from=local
while [ "$#" -gt 0 ]; do
  case "$1" in
    --images-from) [ "$#" -ge 2 ] || usage; images_from="$2"; shift 2 ;;
    --images-from=*) images_from="${1#*=}"; shift ;;
    *) usage ;;
  esac
done
[ "$images_from" != "$stack" ] || die "--images-from $images_from: a stack cannot promote its own images"
[ -n "${IMAGE_TAG:-}" ] || die "IMAGE_TAG is not set: it names the images to deploy (the pipelines set it to the commit)"

cd "$(dirname "$0")/../.."
for tool in node pulumi aws docker; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (this script needs node, pulumi, aws and docker)"
done
node -e 'require.resolve("@pulumi/pulumi/package.json", { paths: [process.argv[1]] })' "$PWD/infra" 2>/dev/null \
  || die "the Pulumi program's packages are not installed: run npm ci at the repository root first"

# Registry logins go to a throwaway docker config, not the machine's.
DOCKER_CONFIG="$(mktemp -d)"
export DOCKER_CONFIG
trap 'rm -rf "$DOCKER_CONFIG"' EXIT

# `pulumi up --stack S` and `pulumi config set --stack S` fail while S does not exist (non-interactive CLI),
# so every stack is selected with --create first; on later runs that only selects it.
pulumi_up() {
  local dir="$1" target="$2"
  shift 2
  pulumi stack select "$target" --create --cwd "$dir" --non-interactive
  pulumi up --cwd "$dir" --stack "$target" --yes --non-interactive "$@"
}

# "<image> <repository URL>" lines from a registry stack's repositoryUrls output.
repository_urls() {
  pulumi stack output repositoryUrls --json --cwd infra/registry --stack "$1" --non-interactive | node -e '
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
      const urls = JSON.parse(text);
      if (!urls || typeof urls !== "object" || Object.keys(urls).length === 0) throw new Error("repositoryUrls is empty");
      for (const [image, url] of Object.entries(urls)) console.log(`${image} ${url}`);
    });'
}

region_of() { echo "$1" | cut -d/ -f1 | cut -d. -f4; }   # <account>.dkr.ecr.<region>.amazonaws.com/<name>

logged_in=" "
ecr_login() {
  local host="${1%%/*}"
  case "$logged_in" in *" $host "*) return 0 ;; esac
  aws ecr get-login-password --region "$(region_of "$1")" | docker login --username AWS --password-stdin "$host" >/dev/null
  logged_in="$logged_in$host "
}

# Whether <repository URL>:<tag> exists; ECR answers ImageNotFoundException when it does not. Any other error stops.
tag_exists() {
  local url="$1" tag="$2" errors
  if errors="$(aws ecr describe-images --region "$(region_of "$url")" --repository-name "${url#*/}" \
      --image-ids "imageTag=$tag" 2>&1 >/dev/null)"; then
    return 0
  fi
  case "$errors" in *ImageNotFoundException*) return 1 ;; esac
  echo "$errors" >&2
  die "could not look up ${url#*/}:$tag in ECR"
}

echo "== deploy $stack: images $IMAGE_TAG from $images_from"

echo "== 1/3 registry stack $stack (infra/registry): the ECR repositories"
pulumi_up infra/registry "$stack"
targets="$(repository_urls "$stack")"

echo "== 2/3 images into bookstore-$stack/*"
sources=""
if [ "$images_from" != local ]; then sources="$(repository_urls "$images_from")"; fi
while read -r image url; do
  ecr_login "$url"
  if tag_exists "$url" "$IMAGE_TAG"; then
    echo "$image: $url:$IMAGE_TAG is already there (tags are immutable): not pushed again"
    continue
  fi
  if [ "$images_from" = local ]; then
    source="bookstore/$image:$IMAGE_TAG"
    docker image inspect "$source" >/dev/null 2>&1 || die "$image: $source was not built on this machine"
  else
    source_url="$(echo "$sources" | awk -v image="$image" '$1 == image { print $2 }')"
    [ -n "$source_url" ] || die "$image: the $images_from registry stack has no repository for it"
    ecr_login "$source_url"
    tag_exists "$source_url" "$IMAGE_TAG" || die "$image: $source_url:$IMAGE_TAG does not exist: deploy $images_from first"
    source="$source_url:$IMAGE_TAG"
    docker pull "$source"
  fi
  docker tag "$source" "$url:$IMAGE_TAG"
  docker push "$url:$IMAGE_TAG"
done <<< "$targets"

echo "== 3/3 main stack $stack (infra/): bookstore:imageTag=$IMAGE_TAG"
pulumi_up infra "$stack" --config "bookstore:imageTag=$IMAGE_TAG"
node infra/scripts/verify-rollout.mjs "$stack"
echo "== deployed $IMAGE_TAG to $stack"
