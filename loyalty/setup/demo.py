"""The demo programme ``make run`` starts with: tiers, a store, a till, a superuser and one staff
user per role (``DEMO_ROLE_USERS``, all with the demo password).

Safe to run twice: what exists is kept. The till key is stored hashed, so the demo keeps
its plain key in a local, git-ignored file to print it again; without that file it issues
a fresh key for the demo till.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser

from loyalty import staff
from loyalty.audit import StaffActor
from loyalty.db import write_transaction
from loyalty.members import enrol_at_till, hash_key, new_key
from loyalty.schema import Reward, StaffRole, Store, Terminal, Tier, TierBirthdayGift
from loyalty.settings import ADMIN
from loyalty.setup.demo_rules import seed_points

DEMO_STAFF_USER = "demo"
DEMO_STAFF_PASSWORD = "thanthiet-demo"
DEMO_STORE = ("Q1", "Thân Thiết Quận 1", "Hồ Chí Minh")
DEMO_TILL = "Demo till"
# A customer without the app who joined at the demo till: the store account (cuahang) sees her.
DEMO_TILL_MEMBER = ("0912 345 678", "Lê Thị Hoa")
# username → role, store code, compensation limit in đồng (the README lists them).
DEMO_ROLE_USERS: dict[str, tuple[staff.Role, str, int]] = {
    "quanly": (staff.Role.MANAGER, "", 0),
    "marketing": (staff.Role.MARKETING, "", 0),
    "cskh": (staff.Role.CARE, "", 100_000),
    "cuahang": (staff.Role.STORE, DEMO_STORE[0], 0),
}
SEEDER = StaffActor(None, "seed_demo")
CREDENTIALS_FILE = ADMIN.demo_credentials_file

DEMO_TIERS = [
    # code, vi, en, rank, threshold (points earned in 12 months), multiplier %, benefits vi, en
    ("member", "Thành viên", "Member", 1, 0, 100, "Tích điểm mọi hoá đơn", "Earn points on every receipt"),
    ("silver", "Bạc", "Silver", 2, 500, 110, "Tích điểm x1.1", "Earn ×1.1"),
    ("gold", "Vàng", "Gold", 3, 2000, 125, "Tích điểm x1.25, quà sinh nhật", "Earn ×1.25, birthday gift"),
    ("diamond", "Kim cương", "Diamond", 4, 6000, 150, "Tích điểm x1.5, ưu đãi riêng", "Earn ×1.5, private offers"),
]

DEMO_REWARDS = [
    # name vi, en, description vi, en, points, stock (None: unlimited), per-member limit, min tier
    ("Cà phê sữa đá", "Iced milk coffee", "Một ly cà phê sữa đá", "One iced milk coffee", 200, None, None, None),
    ("Giảm 50.000 đ", "50,000 đ off", "Cho hoá đơn từ 300.000 đ", "On receipts from 300,000 đ", 500, None, 2, None),
    ("Túi vải Thân Thiết", "Thân Thiết tote bag", "Số lượng có hạn", "While stocks last", 800, 50, 1, "silver"),
    ("Bánh kem sinh nhật", "Birthday cake", "Quà sinh nhật hạng Vàng", "Gold birthday gift", 0, None, 1, "gold"),
]


async def seed_rewards() -> None:
    for vi, en, d_vi, d_en, cost, stock, limit, tier_code in DEMO_REWARDS:
        if await Reward.exists().where(Reward.name_vi == vi):
            continue
        tier = await Tier.objects().where(Tier.code == tier_code).first() if tier_code else None
        # The birthday cake is a gift only: kept out of the catalogue (inactive), issued by campaigns.
        reward = Reward(
            name_vi=vi,
            name_en=en,
            description_vi=d_vi,
            description_en=d_en,
            points_cost=cost,
            stock_left=stock,
            per_member_limit=limit,
            min_tier=tier.id if tier else None,
            active=cost > 0,
        )
        await reward.save()
        if (
            cost == 0
            and tier is not None
            and not await TierBirthdayGift.exists().where(TierBirthdayGift.tier == tier.id)
        ):
            await TierBirthdayGift(tier=tier.id, reward=reward.id).save()


@dataclass(frozen=True)
class DemoCredentials:
    staff_user: str
    staff_password: str
    store_code: str
    till_key: str


async def seed_tiers() -> None:
    for code, vi, en, rank, threshold, pct, b_vi, b_en in DEMO_TIERS:
        if not await Tier.exists().where(Tier.code == code):
            await Tier(
                code=code,
                name_vi=vi,
                name_en=en,
                rank=rank,
                metric="points",
                threshold=threshold,
                earn_multiplier_pct=pct,
                benefits_vi=b_vi,
                benefits_en=b_en,
            ).save()


async def seed_staff() -> None:
    if not await BaseUser.exists().where(BaseUser.username == DEMO_STAFF_USER):
        await BaseUser.create_user(
            username=DEMO_STAFF_USER,
            password=DEMO_STAFF_PASSWORD,
            email="demo@thanthiet.invalid",
            active=True,
            admin=True,
            superuser=True,
        )
    for username, (role, store_code, limit) in DEMO_ROLE_USERS.items():
        user = await BaseUser.objects().where(BaseUser.username == username).first()
        if user is None:
            user = await BaseUser.create_user(
                username=username,
                password=DEMO_STAFF_PASSWORD,
                email=f"{username}@thanthiet.invalid",
                active=True,
                admin=True,
                superuser=False,
            )
        # Granted once (a role changed since is kept); a store role waits for its store.
        has_role = await StaffRole.exists().where(StaffRole.staff == user.id)
        if not has_role and (not store_code or await Store.exists().where(Store.code == store_code)):
            await staff.grant_role(SEEDER, username, role, store_code=store_code, approval_limit_vnd=limit)


async def seed_store_and_till() -> tuple[str, str]:
    code, name, city = DEMO_STORE
    store = await Store.objects().where(Store.code == code).first()
    if store is None:
        store = Store(code=code, name=name, city=city)
        await store.save()
    till = await Terminal.objects().where((Terminal.store == store.id) & (Terminal.name == DEMO_TILL)).first()
    saved = _saved_key()
    if till is not None and saved and hash_key(saved) == till.key_hash and till.revoked_at is None:
        return code, saved
    key = new_key()
    if till is None:
        await Terminal(store=store.id, name=DEMO_TILL, key_hash=hash_key(key), key_prefix=key[:10]).save()
    else:
        await Terminal.update(
            {Terminal.key_hash: hash_key(key), Terminal.key_prefix: key[:10], Terminal.revoked_at: None}
        ).where(Terminal.id == till.id)
    _save_key(key)
    return code, key


async def seed_till_member(store_code: str) -> None:
    """Enrol the demo's phone-only customer at the demo till (the same number again is the same member)."""
    till = await Terminal.select(Terminal.id).where(Terminal.name == DEMO_TILL).first()
    if till is not None:
        phone, name = DEMO_TILL_MEMBER
        await enrol_at_till(phone, name, terminal_id=till["id"], store_code=store_code)


def _saved_key() -> str:
    return CREDENTIALS_FILE.read_text().strip() if CREDENTIALS_FILE.exists() else ""


def _save_key(key: str) -> None:
    CREDENTIALS_FILE.write_text(key + "\n")
    CREDENTIALS_FILE.chmod(0o600)


async def seed_demo() -> DemoCredentials:
    async with write_transaction():
        await seed_tiers()
        await seed_rewards()
        store_code, till_key = await seed_store_and_till()
    await seed_staff()
    await seed_points()
    await seed_till_member(store_code)
    return DemoCredentials(DEMO_STAFF_USER, DEMO_STAFF_PASSWORD, store_code, till_key)


async def demo_staff_login_works() -> bool:
    """True when the well-known demo password still opens a demo account."""
    for username in (DEMO_STAFF_USER, *DEMO_ROLE_USERS):
        if await BaseUser.login(username, DEMO_STAFF_PASSWORD) is not None:
            return True
    return False
