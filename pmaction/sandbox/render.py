"""State records -> GitHub's REST JSON shapes (fields the OpenAPI description marks required).

Every API URL is built from the request's own host plus ``/api/v3`` because PyGithub refuses to follow
URLs that do not start with its base_url; HTML URLs point at the server root.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pmaction.sandbox.state import (
    BOT_LOGIN,
    Comment,
    Event,
    Issue,
    Label,
    Milestone,
    Repo,
    World,
    iso,
    pacific_midnight_utc,
)

API_PREFIX = "/api/v3"
DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True)
class Urls:
    server: str  # http://127.0.0.1:PORT

    @property
    def api(self) -> str:
        return self.server + API_PREFIX

    def repo_api(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.owner}/{repo.name}"

    def repo_html(self, repo: Repo) -> str:
        return f"{self.server}/{repo.owner}/{repo.name}"


def node_id(kind: str, ident: int) -> str:
    return kind + "_" + base64.b64encode(f"{kind}{ident}".encode()).decode().rstrip("=")


def user(world: World, urls: Urls, login: str | None) -> dict[str, Any] | None:
    if login is None:
        return None
    is_bot = login.lower() == BOT_LOGIN
    base = f"{urls.api}/users/{login}"
    uid = world.user_id(login)
    return {
        "login": login,
        "id": uid,
        "node_id": node_id("U", uid),
        "avatar_url": f"{urls.server}/avatars/u/{uid}",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{urls.server}/apps/github-actions" if is_bot else f"{urls.server}/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": "Bot" if is_bot else "User",
        "user_view_type": "public",
        "site_admin": False,
    }


def public_user(world: World, urls: Urls, login: str) -> dict[str, Any]:
    """GET /users/{login}: the profile, its e-mail only when the person made one public."""
    profile = world.profiles.get(login.lower(), {})
    shown = str(profile.get("login") or login)
    base = user(world, urls, shown) or {}
    stamp = "2020-01-01T00:00:00Z"
    return {
        **base,
        "name": profile.get("name"),
        "company": None,
        "blog": "",
        "location": None,
        "email": profile.get("email"),
        "hireable": None,
        "bio": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }


def label(urls: Urls, repo: Repo, item: Label) -> dict[str, Any]:
    return {
        "id": item.id,
        "node_id": node_id("LA", item.id),
        "url": f"{urls.repo_api(repo)}/labels/{quote(item.name)}",
        "name": item.name,
        "color": item.color,
        "default": item.default,
        "description": item.description,
    }


def milestone_counts(repo: Repo, number: int) -> tuple[int, int]:
    in_it = [i for i in repo.issues.values() if i.milestone == number]
    return sum(i.state == "open" for i in in_it), sum(i.state == "closed" for i in in_it)


def milestone(world: World, urls: Urls, repo: Repo, item: Milestone) -> dict[str, Any]:
    open_count, closed_count = milestone_counts(repo, item.number)
    url = f"{urls.repo_api(repo)}/milestones/{item.number}"
    return {
        "url": url,
        "html_url": f"{urls.repo_html(repo)}/milestone/{item.number}",
        "labels_url": f"{url}/labels",
        "id": item.id,
        "node_id": node_id("MI", item.id),
        "number": item.number,
        "title": item.title,
        "description": item.description,
        "creator": user(world, urls, item.creator),
        "open_issues": open_count,
        "closed_issues": closed_count,
        "state": item.state,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "due_on": iso(pacific_midnight_utc(item.due_on)) if item.due_on else None,
        "closed_at": iso(item.closed_at),
    }


def reactions(url: str) -> dict[str, Any]:
    zero = dict.fromkeys(("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0)
    return {"url": f"{url}/reactions", "total_count": 0, **zero}


def association(repo: Repo, login: str, given: str | None) -> str:
    return given or repo.association(login)


def issue(world: World, urls: Urls, repo: Repo, item: Issue) -> dict[str, Any]:
    url = f"{urls.repo_api(repo)}/issues/{item.number}"
    kind = "pull" if item.is_pull_request else "issues"
    html = f"{urls.repo_html(repo)}/{kind}/{item.number}"
    labels = [
        label(urls, repo, repo.labels[name.lower()]) for name in item.labels if name.lower() in repo.labels
    ]
    assignees = [user(world, urls, a) for a in item.assignees]
    ms = repo.milestones.get(item.milestone) if item.milestone is not None else None
    data: dict[str, Any] = {
        "url": url,
        "repository_url": urls.repo_api(repo),
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": html,
        "id": item.id,
        "node_id": node_id("I", item.id),
        "number": item.number,
        "title": item.title,
        "user": user(world, urls, item.user),
        "labels": labels,
        "state": item.state,
        "locked": item.locked,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": milestone(world, urls, repo, ms) if ms else None,
        "comments": len(item.comments),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "closed_at": iso(item.closed_at),
        "author_association": association(repo, item.user, item.author_association),
        "active_lock_reason": None,
        "body": item.body,
        "closed_by": user(world, urls, item.closed_by) if item.state == "closed" else None,
        "reactions": reactions(url),
        "timeline_url": f"{url}/timeline",
        "performed_via_github_app": None,
        "state_reason": item.state_reason,
    }
    if item.is_pull_request:
        pull = f"{urls.repo_api(repo)}/pulls/{item.number}"
        data["draft"] = False
        data["pull_request"] = {
            "url": pull,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": iso(repo.pulls[item.number].merged_at) if item.number in repo.pulls else None,
        }
    return data


def comment(world: World, urls: Urls, repo: Repo, item: Comment) -> dict[str, Any]:
    url = f"{urls.repo_api(repo)}/issues/comments/{item.id}"
    return {
        "url": url,
        "html_url": f"{urls.repo_html(repo)}/issues/{item.issue_number}#issuecomment-{item.id}",
        "issue_url": f"{urls.repo_api(repo)}/issues/{item.issue_number}",
        "id": item.id,
        "node_id": node_id("IC", item.id),
        "user": user(world, urls, item.user),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "author_association": association(repo, item.user, item.author_association),
        "body": item.body,
        "reactions": reactions(url),
        "performed_via_github_app": None,
    }


def event(world: World, urls: Urls, repo: Repo, item: Event) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "node_id": node_id("E", item.id),
        "url": f"{urls.repo_api(repo)}/issues/events/{item.id}",
        "actor": user(world, urls, item.actor),
        "event": item.event,
        "commit_id": None,
        "commit_url": None,
        "created_at": iso(item.created_at),
        "performed_via_github_app": None,
    }
    if item.label is not None:
        known = repo.labels.get(item.label.lower())
        data["label"] = {"name": item.label, "color": known.color if known else "ededed"}
    if item.assignee is not None:
        data["assignee"] = user(world, urls, item.assignee)
        data["assigner"] = user(world, urls, item.assigner or item.actor)
    if item.milestone is not None:
        data["milestone"] = {"title": item.milestone}
    if item.rename is not None:
        data["rename"] = item.rename
    return data


def repository(world: World, urls: Urls, repo: Repo, token_can_push: bool) -> dict[str, Any]:
    api = urls.repo_api(repo)
    html = urls.repo_html(repo)
    open_count = sum(i.state == "open" for i in repo.issues.values())
    templated = {
        "archive_url": "/{archive_format}{/ref}",
        "assignees_url": "/assignees{/user}",
        "blobs_url": "/git/blobs{/sha}",
        "branches_url": "/branches{/branch}",
        "collaborators_url": "/collaborators{/collaborator}",
        "comments_url": "/comments{/number}",
        "commits_url": "/commits{/sha}",
        "compare_url": "/compare/{base}...{head}",
        "contents_url": "/contents/{+path}",
        "contributors_url": "/contributors",
        "deployments_url": "/deployments",
        "downloads_url": "/downloads",
        "events_url": "/events",
        "forks_url": "/forks",
        "git_commits_url": "/git/commits{/sha}",
        "git_refs_url": "/git/refs{/sha}",
        "git_tags_url": "/git/tags{/sha}",
        "hooks_url": "/hooks",
        "issue_comment_url": "/issues/comments{/number}",
        "issue_events_url": "/issues/events{/number}",
        "issues_url": "/issues{/number}",
        "keys_url": "/keys{/key_id}",
        "labels_url": "/labels{/name}",
        "languages_url": "/languages",
        "merges_url": "/merges",
        "milestones_url": "/milestones{/number}",
        "notifications_url": "/notifications{?since,all,participating}",
        "pulls_url": "/pulls{/number}",
        "releases_url": "/releases{/id}",
        "stargazers_url": "/stargazers",
        "statuses_url": "/statuses/{sha}",
        "subscribers_url": "/subscribers",
        "subscription_url": "/subscription",
        "tags_url": "/tags",
        "teams_url": "/teams",
        "trees_url": "/git/trees{/sha}",
    }
    owner = user(world, urls, repo.owner) or {}
    owner["type"] = repo.owner_type
    host = urls.server.split("://", 1)[-1]
    data: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": owner,
        "private": repo.private,
        "visibility": "private" if repo.private else "public",
        "html_url": html,
        "description": repo.description,
        "fork": False,
        "url": api,
        **{key: api + suffix for key, suffix in templated.items()},
        "git_url": f"git://{host}/{repo.full_name}.git",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": repo.default_branch,
        "open_issues_count": open_count,
        "open_issues": open_count,
        "is_template": False,
        "topics": [],
        "has_issues": repo.has_issues,
        "has_projects": True,
        "has_wiki": repo.has_wiki,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "pushed_at": iso(repo.created_at),
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.updated_at or repo.created_at),
        "permissions": {
            "admin": False,
            "maintain": False,
            "push": token_can_push,
            "triage": token_can_push,
            "pull": True,
        },
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "license": None,
        "network_count": 0,
        "subscribers_count": 0,
    }
    if repo.owner_type == "Organization":
        data["organization"] = owner
    return data


def blob_sha(data: bytes) -> str:
    """The git blob id of a file, as the contents API reports it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def content_entry(urls: Urls, repo: Repo, path: str, text: str | None, ref: str) -> dict[str, Any]:
    """A file (text given) or a directory entry (text None) of the contents API."""
    raw = (text or "").encode()
    is_file = text is not None
    sha = blob_sha(raw) if is_file else hashlib.sha1(path.encode()).hexdigest()
    self_url = f"{urls.repo_api(repo)}/contents/{path}?ref={ref}"
    html = f"{urls.repo_html(repo)}/{'blob' if is_file else 'tree'}/{ref}/{path}"
    git = f"{urls.repo_api(repo)}/git/{'blobs' if is_file else 'trees'}/{sha}"
    data: dict[str, Any] = {
        "type": "file" if is_file else "dir",
        "size": len(raw),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "url": self_url,
        "git_url": git,
        "html_url": html,
        "download_url": f"{urls.server}/raw/{repo.full_name}/{ref}/{path}" if is_file else None,
        "_links": {"self": self_url, "git": git, "html": html},
    }
    return data


def content_file(urls: Urls, repo: Repo, path: str, text: str, ref: str) -> dict[str, Any]:
    data = content_entry(urls, repo, path, text, ref)
    encoded = base64.b64encode(text.encode()).decode()
    # GitHub wraps the base64 at 60 characters with a trailing newline.
    data["content"] = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
    data["encoding"] = "base64"
    return data


def error(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, **extra, "documentation_url": DOCS, "status": str(status)}
