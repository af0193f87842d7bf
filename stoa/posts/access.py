"""Who may see and change a post or one of its publications: the workspace's permission check for one of them."""

from stoa.posts.models import Post, Publication
from stoa.workspaces.access import Permission, access_in_workspace


def access_post(user, post_id: int, permission: Permission = Permission.VIEW_PUBLICATIONS) -> Post:
    return access_in_workspace(user, Post.objects.all(), post_id, "post", permission)


def access_publication(user, publication_id: int,
                       permission: Permission = Permission.VIEW_PUBLICATIONS) -> Publication:
    queryset = Publication.objects.select_related("channel", "variant__post")
    return access_in_workspace(user, queryset, publication_id, "publication", permission)
