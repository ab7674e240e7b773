"""Where a robot webhook may send: the robot hosts over https, public addresses, no credentials."""
import pytest

from services.notify import settings as notify_settings
from services.notify.channels import RobotTargetRefused, RobotTargetUnresolved, robot_target

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc"


def _resolver(table: dict):
    def resolve(host, port):
        if host not in table:
            raise RobotTargetUnresolved(f"host {host} does not resolve")
        return table[host]
    return resolve


PUBLIC = _resolver({"qyapi.weixin.qq.com": ["101.91.40.1"], "oapi.dingtalk.com": ["203.119.1.1"],
                    "127.0.0.1": ["127.0.0.1"], "hooks.college.example": ["10.1.2.3"]})


def test_the_two_robot_hosts_are_allowed_by_default():
    settings = notify_settings.load({})
    target = robot_target(settings, WECOM, PUBLIC)
    assert (target.host, target.port, target.https, target.address) == ("qyapi.weixin.qq.com", 443, True, "101.91.40.1")
    assert target.path == "/cgi-bin/webhook/send?key=abc"
    assert robot_target(settings, DINGTALK, PUBLIC).address == "203.119.1.1"


@pytest.mark.parametrize("url, reason", [
    ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "https"),
    ("https://127.0.0.1:15672/api/users", "not a robot host"),
    ("https://169.254.169.254/latest/meta-data", "not a robot host"),
    ("https://evil.example/qyapi.weixin.qq.com", "not a robot host"),
    ("https://qyapi.weixin.qq.com.evil.example/x", "not a robot host"),
    ("https://user:pw@qyapi.weixin.qq.com/x", "user name"),
    ("file:///etc/passwd", "https"),
    ("https://qyapi.weixin.qq.com:99999/x", "port"),
])
def test_anything_else_is_refused_by_default(url, reason):
    with pytest.raises(RobotTargetRefused, match=reason):
        robot_target(notify_settings.load({}), url, PUBLIC)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "192.168.1.1", "169.254.169.254", "::1",
                                     "::ffff:127.0.0.1", "fd00::1", "0.0.0.0"])
def test_a_robot_host_resolving_to_a_private_address_is_refused(address):
    resolve = _resolver({"qyapi.weixin.qq.com": ["101.91.40.1", address]})
    with pytest.raises(RobotTargetRefused, match="not a public address"):
        robot_target(notify_settings.load({}), WECOM, resolve)


def test_a_setting_widens_the_hosts_and_allows_private_networks():
    env = {"NOTIFY_ROBOT_HOSTS": "127.0.0.1,hooks.college.example", "NOTIFY_ROBOT_PRIVATE_NETWORKS": "true"}
    settings = notify_settings.load(env)
    assert robot_target(settings, "http://127.0.0.1:8080/robot?x=1", PUBLIC).address == "127.0.0.1"
    assert robot_target(settings, "http://hooks.college.example/send", PUBLIC).address == "10.1.2.3"
    with pytest.raises(RobotTargetRefused, match="not a robot host"):
        robot_target(settings, WECOM, PUBLIC)  # the list replaces the default
    hosts_only = notify_settings.load({"NOTIFY_ROBOT_HOSTS": "127.0.0.1"})
    with pytest.raises(RobotTargetRefused, match="not a public address"):
        robot_target(hosts_only, "https://127.0.0.1:8443/robot", PUBLIC)


def test_an_unresolved_host_is_said_as_such():
    with pytest.raises(RobotTargetUnresolved):
        robot_target(notify_settings.load({}), WECOM, _resolver({}))


def test_bad_robot_settings_fail_fast():
    from services.common.settings import ConfigError
    for env in ({"NOTIFY_ROBOT_HOSTS": "a b"}, {"NOTIFY_ROBOT_PRIVATE_NETWORKS": "maybe"}):
        with pytest.raises(ConfigError, match=next(iter(env))):
            notify_settings.load(env)
