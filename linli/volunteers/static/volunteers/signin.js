// 签到 by position: fill the phone's position into the sign-in form and submit it.
// No user text is put on the page except through textContent.
const form = document.getElementById("signin-form");
const button = document.getElementById("signin-geo");
const status = document.getElementById("signin-geo-status");
if (form && button && status) {
  button.addEventListener("click", () => {
    if (!navigator.geolocation) {
      status.textContent = "此手机不能获取位置，请输入组织者出示的签到码。";
      return;
    }
    status.textContent = "正在获取您的位置…";
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        document.getElementById("signin-lat").value = String(pos.coords.latitude);
        document.getElementById("signin-lon").value = String(pos.coords.longitude);
        document.getElementById("signin-code").value = "";
        form.submit();
      },
      () => {
        status.textContent = "未能获取位置（可能未允许定位），请输入组织者出示的签到码。";
      },
      { enableHighAccuracy: true, timeout: 10000 },
    );
  });
}
