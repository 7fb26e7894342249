"""The system actor a step takes for someone's file names them once, however the step was reached."""

from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.web.templating import actor_name


def test_a_person_is_named_inside_the_system_actor_acting_for_them():
    liaison = Actor(username="sftp:lg121002", role=Role.liaison, municipality_id=1)
    assert liaison.acting_as("exchange").username == "system:exchange:sftp:lg121002"


def test_a_system_actor_acting_again_keeps_its_name():
    importer = Actor.system("exchange:sftp:lg271403")
    assert importer.acting_as("exchange").username == "system:exchange:sftp:lg271403"


def test_staff_read_the_products_own_actors_by_a_japanese_name_with_the_code_beside():
    assert actor_name("resident:web") == "住民（resident:web）"
    assert actor_name("system:push_approve") == "自動処理（system:push_approve）"
    assert actor_name("sftp:lg121002") == "SFTP受け渡し（sftp:lg121002）"
    assert actor_name("yamada") == "yamada"
