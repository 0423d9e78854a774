# signedin — ページのメッセージ（日本語、です・ます調）。en.ftl が基準です。
# ID は固定です。メッセージの変数（$name）はコードから渡され、使っても使わなくても構いません。
# 日本語には複数形の区別がないため、件数による選択は [0] がある場合のみ残しています。

## すべてのページの枠
site-name = signedin
skip-link = コンテンツへスキップ
nav-account = アカウント
nav-signed-in-as = ログイン中：
nav-devices = デバイス
nav-password = パスワード
nav-sign-out = ログアウト
nav-sign-in = ログイン
nav-create-account = アカウントを作成
footer-tagline = signedin · ログインしている場所を確認し、どこからでもログアウトできます。
language-label = 言語
language-change = 言語を変更

## トップページ
home-title = ログイン中のデバイス
home-heading = ログイン中のデバイス
home-lead = アカウントにログインしているすべてのデバイスについて、ブラウザ、場所、最後に使用された日時を確認でき、ワンクリックでログアウトさせることができます。
home-sign-in = ログイン
home-create-account = アカウントを作成
home-feature-see = アカウントにログインしているデバイス、ブラウザ、場所をすべて確認できます。
home-feature-end = なくしたスマートフォンや共用のパソコンも、どこからでもログアウトさせることができます。
home-feature-alerts = 新しいログインがあると通知が届き、身に覚えのないログインはすぐに終了できます。
home-summary-heading = アカウントの概要
home-summary-devices = { $count }台のデバイスでログイン中
home-summary-last = 最近の新しいログイン：{ $device }（{ $when }）
home-summary-last-place = 最近の新しいログイン：{ $device }、{ $place }（{ $when }）
home-see-devices = デバイスを表示
home-change-password = パスワードを変更

## デバイスのページ
devices-title = お使いのデバイス
devices-heading = ログイン中のデバイス
devices-lead = 以下のデバイスがアカウントにログインしています。心当たりのないデバイスがあれば、ログアウトさせてください。
devices-list-label = ログイン中のデバイス
devices-loading = デバイスを読み込んでいます
devices-load-error = デバイスを読み込めませんでした。
devices-try-again = 再試行
devices-only-this = アカウントにログインしているのはこのデバイスだけです。
devices-show-more = さらに表示
devices-shown = { $total }件中{ $shown }件を表示
devices-locations-approximate = 表示される場所はおおよその位置です。
devices-change-password = パスワードを変更
device-this = このデバイス
device-new-location = 新しい場所
device-signed-in-local = ローカルネットワークからログイン
device-signed-in-from = { $place }からログイン
device-last-active = 最終アクティブ：
device-signed-in = ログイン：
device-ip = IP
device-user-agent = ユーザーエージェント
device-sign-out = ログアウト
device-sign-out-named = { $device }をログアウト
device-sign-out-this = { $device }をログアウト（このデバイス）
device-rename = 名前を変更
device-rename-named = { $device }の名前を変更
device-name = デバイス名
device-save = 保存
device-rename-failed = デバイスの名前を変更できませんでした。
device-signed-out = { $device }をログアウトさせました。
device-sign-out-failed = デバイスをログアウトさせることができませんでした。
you-were-signed-out = ログアウトされました
you-were-signed-out-on = ログアウトされました（{ $device }）
you-were-signed-out-at = ログアウトされました（{ $when }）
you-were-signed-out-on-at = ログアウトされました（{ $device }、{ $when }）
new-sign-in = 新しいログイン：{ $device }
new-sign-in-new-location = 新しい場所からのログイン：{ $device }

## 他のデバイスをログアウトさせる
bulk-open = 他のすべてのセッションをログアウト
bulk-explain = 他の{ $count }件のセッションをログアウトさせます。該当するデバイスでは、もう一度ログインが必要になります。
bulk-confirm = 他の{ $count }件のセッションをログアウト
bulk-password = パスワードを確認
bulk-done = { $count ->
    [0] ログイン中の他のセッションはありませんでした。
   *[other] 他の{ $count }件のセッションをログアウトさせました。
}

## 最近のセキュリティ アクティビティ
activity-heading = 最近のセキュリティ アクティビティ
activity-none = 最近のアクティビティはありません。
sessions-count = { $count }件のセッション
event-with-place = { $text } · { $place }
event-account-created = { $device }でアカウントを作成しました
event-sign-in = 新しいログイン：{ $device }
event-sign-in-new-location = 新しい場所からのログイン：{ $device }
event-sign-in-failed = ログインに失敗しました：{ $device }
event-sign-out = { $device }でログアウトしました
event-session-revoked-by-you = { $target }をログアウトさせました
event-session-revoked-by-admin = 管理者が{ $target }をログアウトさせました
event-others-revoked-by-you = 他のデバイスの{ $count }件のセッションをログアウトさせました
event-others-revoked-by-admin = 管理者が他のデバイスの{ $count }件のセッションをログアウトさせました
event-all-revoked-by-you = すべてのセッション（{ $count }件）をログアウトさせました
event-all-revoked-by-admin = 管理者がすべてのセッション（{ $count }件）をログアウトさせました
event-reuse-detected = 盗まれたログイン情報の使用を検出したため、そのデバイスをログアウトさせました
event-session-expired = セッションの有効期限が切れました
event-password-changed = { $device }でパスワードを変更しました
event-reauthenticated = { $device }でパスワードを確認しました
event-reauth-failed = { $device }で誤ったパスワードが入力されました
event-refresh-grace = { $device }でログインが同時に2回更新されました
event-refresh-superseded = { $device }で古いログイントークンが拒否されました
event-session-evicted = 最も長く使われていなかった{ $target }をログアウトさせました（同時にログインできるセッションは最大{ $count }件です）
event-session-reported = 「自分ではありません」を選択し、{ $target }をログアウトさせました
event-renamed = { $target }の名前を「{ $name }」に変更しました
event-name-removed = { $target }から名前「{ $previous }」を削除しました
event-name-cleared = { $target }の名前を削除しました
# イベントが指しているものの、現在は不明なデバイス（文中と文頭で使用）。
event-unknown-device = 不明なデバイス
event-a-device = デバイス
event-a-device-start = デバイス

## デバイスと場所
device-unknown = 不明なデバイス
device-on = { $browser }（{ $os }）
device-of-os = { $os }デバイス
place-local-network = ローカルネットワーク
place-city = { $country }、{ $city }

## ログインとアカウントの作成
sign-in-title = ログイン
sign-in-heading = ログイン
sign-in-button = ログイン
sign-in-pending = ログインしています…
sign-in-new-here = 初めてご利用ですか？
sign-in-create-link = アカウントを作成
sign-up-title = アカウントを作成
sign-up-heading = アカウントを作成
sign-up-button = アカウントを作成
sign-up-pending = アカウントを作成しています…
sign-up-have-account = すでにアカウントをお持ちですか？
sign-up-sign-in-link = ログイン
email-label = メールアドレス
password-label = パスワード
password-hint = 8文字以上で入力してください。

## パスワードの変更
password-title = パスワードの変更
password-heading = パスワードを変更
password-lead = アカウントの新しいパスワードを設定してください。他のデバイスをログアウトさせると、古いパスワードのままログインし続ける人がいなくなります。
password-current = 現在のパスワード
password-new = 新しいパスワード
password-new-hint = 8文字以上。関連のない単語をいくつか組み合わせると、覚えやすく強力なパスワードになります。
password-strength = 強度：{ $strength }
strength-too-short = 短すぎます
strength-weak = 弱い
strength-fair = 普通
strength-strong = 強い
strength-very-strong = 非常に強い
password-sign-out-others = 他のデバイスをログアウトさせる
password-sign-out-others-hint = 推奨。このデバイスはログインしたままになります。
password-submit = パスワードを変更
password-changed = { $count ->
    [0] パスワードを変更しました。ログイン中の他のデバイスはありませんでした。
   *[other] パスワードを変更し、他の{ $count }台のデバイスをログアウトさせました。
}
password-changed-kept = パスワードを変更しました。他のデバイスはログインしたままです。
password-back = デバイス一覧に戻る

## 通知メールのリンクから開くページ
alert-not-me-title = 心当たりがありませんか？
alert-was-me-title = ご本人によるログインですか？
alert-loading = 読み込んでいます…
alert-went-wrong = 問題が発生しました
alert-sign-out-everywhere = すべてのデバイスからログアウト
alert-sign-in-to-change-password = ログインしてパスワードを変更
alert-not-me-heading = 心当たりがありませんか？
alert-not-me-reported = アカウントへの次のログインについて、メールでお知らせしました：
alert-not-me-explain = 今すぐそのデバイスをログアウトさせてください。この操作にログインは必要ありません。
alert-not-me-button = そのデバイスをログアウト
alert-signed-out-heading = そのデバイスはログアウトされました
alert-signed-out-explain = そのデバイスからはアカウントを使用できなくなりました。他の人にパスワードを知られている場合は、すべてのデバイスからログアウトしてから、パスワードを変更してください。
alert-everywhere-heading = すべてのデバイスからログアウトしました
alert-everywhere-explain = このデバイスを含め、すべてのデバイスがアカウントからログアウトされました。もう一度ログインして、パスワードを変更してください。
alert-was-me-heading = ご本人によるログインですか？
alert-was-me-explain = ご自身でログインした場合は、確認してください。そのデバイスは新しいデバイスとして表示されなくなります。
alert-was-me-button = はい、自分です
alert-was-me-otherwise = 心当たりがない場合は、メールにある「自分ではありません」のリンクを使用してください。
alert-thanks-heading = ご確認ありがとうございます
alert-thanks-explain = そのデバイスは新しいデバイスとして表示されなくなりました。
alert-see-devices = デバイスを表示
alert-unusable-heading = このリンクは使用できません
alert-sign-in-to-see = ログインしてデバイスを表示
alert-link-used = このリンクはすでに使用されています。
alert-link-expired = このリンクは有効期限が切れています。通知メールのリンクの有効期間は24時間です。ログインしてデバイスを確認し、心当たりのないデバイスをログアウトさせてください。
alert-already-signed-out = そのデバイスはすでにログアウトされています。
alert-link-invalid = このリンクは無効です。途中で切れているか、変更されている可能性があります。メールからもう一度開くか、ログインしてデバイスを確認してください。

## 存在しないページ
not-found-title = ページが見つかりません
not-found-heading = ページが見つかりません
not-found-explain = このアドレスにはページがありません。
not-found-home = トップページへ

## 問題の内容（API の問題詳細は英語のままで、これはページ上の表現です）
error-unauthorized = 続行するにはログインしてください。
error-invalid-credentials = メールアドレスまたはパスワードが正しくありません。
error-wrong-password = パスワードが正しくありません。
error-email-taken = このメールアドレスのアカウントはすでに存在します。ログインをお試しください。
error-session-not-found = そのセッションはすでに終了しています。一覧を更新しました。
error-reauth-required = 他のセッションをログアウトさせるには、パスワードを確認してください。
error-rate-limited = 試行回数が多すぎます。{ $seconds }秒待ってから、もう一度お試しください。
error-cross-site = 別のサイトから送信されたため、このリクエストは拒否されました。
error-unavailable = サービスが一時的に利用できません。しばらくしてからもう一度お試しください。
error-internal = サーバー側で問題が発生しました。もう一度お試しください。
error-transport = サーバーに接続できませんでした。接続を確認して、もう一度お試しください。
invalid-email-required = メールアドレス：入力は必須です
invalid-email-too-long = メールアドレス：長すぎます（254文字以内）
invalid-email-has-spaces = メールアドレス：スペースは使用できません
invalid-email-malformed = メールアドレス：name@example.com の形式で入力してください
invalid-email-invisible = メールアドレス：不可視文字や文字方向を制御する文字は使用できません
invalid-password-too-short = パスワード：8文字以上で入力してください
invalid-password-too-long = パスワード：1024文字以内で入力してください
invalid-session-prefix = そのセッションを認識できませんでした。ページを再読み込みして、もう一度お試しください。
invalid-name-too-long = デバイス名：64文字以内で入力してください
invalid-name-control = デバイス名：制御文字や改行は使用できません
invalid-name-direction = デバイス名：文字方向を制御する文字は使用できません
invalid-form-incomplete = フォームに未入力の項目があります。すべての項目を入力して、もう一度お試しください。
invalid-other = 入力内容を確認して、もう一度お試しください。
