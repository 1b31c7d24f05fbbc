"""Every botocore session of a process reads endpoints and service models through one loader:
pynamodb opens a session per model class, and each with a loader of its own parsed endpoints.json
and the DynamoDB model again (~220 ms a session + client, ~11 ms with the shared loader), on every
Lambda cold start and for every entity a request touched first."""
import time


def test_pynamodb_connections_and_our_clients_share_one_loader(aws):
    from chalicelib import aws as clients
    from chalicelib.models.declarations import Declaration
    from chalicelib.models.reviews import ReviewTask

    loaders = {id(model._get_connection().connection.session.get_component("data_loader"))
               for model in (Declaration, ReviewTask)}
    loaders.add(id(clients._session()._session.get_component("data_loader")))
    assert len(loaders) == 1


def test_a_new_session_and_client_cost_milliseconds_once_models_are_loaded(aws):
    from chalicelib import aws as clients

    clients.botocore_session().create_client("dynamodb", region_name="cn-north-1")   # models loaded
    started = time.process_time()
    for _ in range(5):
        clients.botocore_session().create_client("dynamodb", region_name="cn-north-1")
    per_session = (time.process_time() - started) / 5
    assert per_session < 0.1, f"{per_session * 1000:.0f} ms CPU a session: models parsed again?"
