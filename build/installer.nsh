; Included by electron-builder's NSIS installer (nsis.include in electron-builder.config.cjs).
;
; firstkey: links must work on a new hire's first login after a machine-wide install
; (Intune, SCCM, silent /S), before the app has ever run for that account. The installer is
; per-machine (nsis.perMachine), so the scheme goes under HKLM\Software\Classes, which every
; account sees through HKEY_CLASSES_ROOT. electron-builder's NSIS writes no URL scheme itself.

!macro customInstall
  WriteRegStr HKLM "Software\Classes\firstkey" "" "URL:FirstKey enrolment link"
  WriteRegStr HKLM "Software\Classes\firstkey" "URL Protocol" ""
  WriteRegStr HKLM "Software\Classes\firstkey\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  ; The link arrives as one quoted argument after "--", so nothing in a crafted link can
  ; become a Chromium or Electron switch (the protocol-handler injection of CVE-2018-1000006).
  WriteRegStr HKLM "Software\Classes\firstkey\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'
!macroend

!macro customUnInstall
  ; An update runs the old uninstaller first and customInstall right after; only a real
  ; uninstall removes the scheme, so links never point at a deleted program.
  ${ifNot} ${isUpdated}
    DeleteRegKey HKLM "Software\Classes\firstkey"
  ${endIf}
!macroend
